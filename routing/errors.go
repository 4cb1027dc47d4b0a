package routing

import "errors"

// ErrNotFound is returned when a handoff does not exist (any more).
var ErrNotFound = errors.New("not found")
