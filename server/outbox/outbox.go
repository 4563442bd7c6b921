// Package outbox delivers webhooks durably, for every API: a delivery is a row of the store's
// outbox, written in the same transaction as what caused it (so a committed change is never left
// undelivered and a rolled-back one is never delivered), signed once (every attempt sends the same
// bytes with the same signature), and attempted by a Worker on the server clock until the target
// answers 2xx or the retries run out.
//
// Attempts never run on a request's path. A worker claims due deliveries (each claim held by one
// worker across every instance sharing the database) and POSTs them through the HTTP client it is
// given: in the server, a netguard client that refuses private, loopback and metadata addresses
// unless the operator allow-lists them.
package outbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// Retries are the waits after each failed attempt: the first attempt is immediate, the next ones
// follow 2, 4, 6, 8 and 10 minutes after the failure before them; after the sixth failure the
// delivery has failed for good.
var Retries = []time.Duration{2 * time.Minute, 4 * time.Minute, 6 * time.Minute, 8 * time.Minute, 10 * time.Minute}

// MaxAttempts is how many attempts a delivery gets.
var MaxAttempts = len(Retries) + 1

// AttemptTimeout bounds one attempt: connecting, sending, and the answer.
const AttemptTimeout = 10 * time.Second

// Sign is the signature of body: standard (padded) base64 of its HMAC-SHA256 under key.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Message is a webhook to queue.
type Message struct {
	Topic   string            // what kind of delivery, for the operator ("hub.activity")
	Subject string            // what it is about, for the operator
	URL     string            // the target
	Headers map[string]string // sent as they are
	Body    []byte            // sent byte for byte
	// SignatureHeader, when set, carries Sign(Key, Body).
	SignatureHeader string
	Key             []byte
}

// Prepare turns messages into outbox rows due at now (the server clock): each body is signed
// here, once. Enqueue them with store.TenantTx.EnqueueDeliveries in the transaction that decided
// them, then Kick the worker once it commits.
func Prepare(now time.Time, msgs ...Message) []store.OutboxDelivery {
	out := make([]store.OutboxDelivery, len(msgs))
	for i, m := range msgs {
		headers := maps.Clone(m.Headers)
		if headers == nil {
			headers = map[string]string{}
		}
		var sig string
		if m.SignatureHeader != "" {
			sig = Sign(m.Key, m.Body)
			headers[m.SignatureHeader] = sig
		}
		out[i] = store.OutboxDelivery{Topic: m.Topic, Subject: m.Subject, URL: m.URL, Headers: headers, Body: m.Body,
			Signature: sig, MaxAttempts: MaxAttempts, NextAttemptAt: now, CreatedAt: now}
	}
	return out
}

// NextAttempt is when to try again after the n-th attempt failed at at; false when that was the
// last attempt.
func NextAttempt(n int, at time.Time) (time.Time, bool) {
	if n < 1 || n > len(Retries) {
		return time.Time{}, false
	}
	return at.Add(Retries[n-1]), true
}
