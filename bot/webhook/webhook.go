// Package webhook sends Baton's events to the HTTP endpoints the
// configuration lists (a CRM, Zapier, n8n), signed with each endpoint's
// shared secret.
//
// The store writes one delivery per event of a handoff and subscribed
// endpoint, in the change's own transaction; the Worker here sends them,
// in order per endpoint and handoff, retries with backoff and dead-letters
// what its last attempt could not send. It is a unit of its own, apart
// from the outbox worker: its own goroutines, HTTP client and timeouts,
// and nothing shared with Slack's ordering keys or channel pace, so an
// endpoint that hangs never delays a Slack notice.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/batonhq/baton/routing"
)

// The headers of every delivery.
const (
	HeaderEvent     = "X-Baton-Event"
	HeaderDelivery  = "X-Baton-Delivery"
	HeaderTimestamp = "X-Baton-Timestamp"
	HeaderSignature = "X-Baton-Signature"
)

// SignatureVersion prefixes the signature: a new scheme would be v2, sent
// alongside v1 while receivers move.
const SignatureVersion = "v1"

// Endpoint is one configured receiver, with its secret resolved from the
// environment. The URL identifies it: deliveries keep the URL they were
// enqueued for, and the secret in force at delivery signs them.
type Endpoint struct {
	URL string
	// Secret signs every delivery. It is never logged.
	Secret string
	// Types are the public types the endpoint is sent; none: all.
	Types []routing.WebhookType
}

// Sign returns the X-Baton-Signature value of body sent at timestamp (unix
// seconds) with secret: "v1=" and the lowercase hex of
// HMAC-SHA256(secret, "<timestamp>.<body>").
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return SignatureVersion + "=" + hex.EncodeToString(mac.Sum(nil))
}
