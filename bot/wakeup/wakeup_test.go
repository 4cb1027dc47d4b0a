package wakeup

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSignalCoalesces(t *testing.T) {
	t.Parallel()
	s := New()
	s.Notify()
	s.Notify()
	<-s.C()
	select {
	case <-s.C():
		t.Fatal("two notifications before the loop looked woke it twice")
	default:
	}
	s.Notify()
	require.Len(t, s.C(), 1, "a notification after the loop looked wakes it again")
}

func TestNilSignal(t *testing.T) {
	t.Parallel()
	var s *Signal
	s.Notify()
	require.Nil(t, s.C())
}
