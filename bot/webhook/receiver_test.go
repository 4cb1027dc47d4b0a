package webhook_test

// The receiver below is the one docs/integrations.md shows, character for
// character between the markers (TestDocsReceiverIsThisOne checks it), and
// the delivery tests receive with it: the documented signature check is
// the one that is tested.

// receiver:begin
import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// batonEvent is the part of Baton's body this receiver uses.
type batonEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Handoff struct {
		ID      int64  `json:"id"`
		Company string `json:"company"`
		State   string `json:"state"`
		Owner   *struct {
			Email string `json:"email"`
		} `json:"owner"`
	} `json:"handoff"`
}

// verifyBaton checks that body came from Baton: the signature is
// HMAC-SHA256 of "<timestamp>.<body>" with the shared secret, and the
// timestamp is within five minutes of now (an old request replayed fails).
func verifyBaton(secret []byte, header http.Header, body []byte, now time.Time) error {
	ts := header.Get("X-Baton-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no X-Baton-Timestamp")
	}
	if age := now.Sub(time.Unix(sec, 0)); age > 5*time.Minute || age < -5*time.Minute {
		return errors.New("X-Baton-Timestamp is too far from now")
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	// Several signatures may come, comma-separated, while a scheme changes.
	for _, sig := range strings.Split(header.Get("X-Baton-Signature"), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(sig)), []byte(want)) {
			return nil
		}
	}
	return errors.New("bad X-Baton-Signature")
}

// batonHandler verifies each delivery and hands its event to handle. A
// retry whose answer was lost comes again with the same id: handle keys
// its writes on it. An error from handle answers 500, and Baton retries.
func batonHandler(secret []byte, handle func(batonEvent) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "cannot read the body", http.StatusBadRequest)
			return
		}
		if err := verifyBaton(secret, r.Header, body, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var e batonEvent
		if err := json.Unmarshal(body, &e); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		if err := handle(e); err != nil {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// receiver:end
