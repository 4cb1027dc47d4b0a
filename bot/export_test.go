package bot

// HandlerSlots is how many handlers of one lane run at once, for the tests
// that fill a lane.
func HandlerSlots() int { return handlerSlots() }
