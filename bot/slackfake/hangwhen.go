package slackfake

// conditionalHang is a Hang that only takes the calls match accepts.
type conditionalHang struct {
	method    string
	remaining int
	match     func(params map[string]string) bool
}

// HangWhen is Hang for the next times calls to method whose parameters
// match accepts (a post in one channel, a DM to one person): the others
// are answered as usual. A test can so lose one chosen call, say the
// channel post of a handoff, while the DMs sent at the same moment go.
func (s *Server) HangWhen(method string, times int, match func(params map[string]string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangWhen = append(s.hangWhen, &conditionalHang{method: method, remaining: times, match: match})
}

// takeHangWhen consumes one conditional hang that req matches, if any.
func (s *Server) takeHangWhen(req apiRequest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, h := range s.hangWhen {
		if h.method == req.method && h.match(req.params) {
			h.remaining--
			if h.remaining <= 0 {
				s.hangWhen = append(s.hangWhen[:i:i], s.hangWhen[i+1:]...)
			}
			return true
		}
	}
	return false
}
