package drive

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// Log is what a Baton writes, its JSON log lines (or any text), kept for
// inspection: whole, as its last lines, and as the messages of the lines
// logged at error level or above. It is safe for concurrent use, so a
// running Baton writes to it while a test or the load command reads it.
type Log struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte // the start of a line not ended yet
	errs    []string
}

// Write implements io.Writer.
func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) == 0 {
		l.partial = nil // let a long line's buffer go
	}
	return len(p), nil
}

// line notes a complete line's error, if it logs one. Callers hold l.mu.
func (l *Log) line(b []byte) {
	var entry struct {
		Level   string `json:"level"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(b, &entry) != nil {
		return
	}
	switch entry.Level {
	case "error", "fatal", "panic":
		l.errs = append(l.errs, strings.TrimSpace(entry.Message+": "+entry.Error))
	}
}

// String is everything written so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Tail is the last n lines written.
func (l *Log) Tail(n int) string {
	s := strings.TrimSuffix(l.String(), "\n")
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Errors are the messages (and errors) of the lines logged at error level
// or above, in order.
func (l *Log) Errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}
