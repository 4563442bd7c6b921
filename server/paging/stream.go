package paging

import (
	"bytes"
	"context"
	"net/http"

	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// StreamJSON answers 200 with a JSON list of any length while holding one page of it: open (say
// `{"data":[` or `[`), the encoding of every item, comma-separated, then close (say "]}\n"),
// writing each page as it is read. first is the first page; next returns the page after the
// last one it returned (or after first), empty when there is no more. The bytes are those of
// encoding the whole list at once with the same item encoding.
//
// Until the status is written (the first page is written only once a second one is asked for,
// so a list of one page is a single write) a failure is returned, for the caller to answer as
// any error. After it, a failure can only cut the response: it is logged and the handler panics
// with http.ErrAbortHandler, which drops the connection, so the client sees a failed response
// rather than a shorter list that looks complete.
func StreamJSON[T any](ctx context.Context, w http.ResponseWriter, open, close string, first []T,
	next func(context.Context) ([]T, error), encode func(T) ([]byte, error)) error {
	var buf bytes.Buffer
	buf.WriteString(open)
	started := false
	fail := func(err error) error {
		if !started {
			return err
		}
		httpkit.Logger(ctx).Error("streaming a list", "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	for page, n := first, 0; len(page) > 0; {
		for _, item := range page {
			if n > 0 {
				buf.WriteByte(',')
			}
			n++
			b, err := encode(item)
			if err != nil {
				return fail(err)
			}
			buf.Write(b)
		}
		var err error
		if page, err = next(ctx); err != nil {
			return fail(err)
		}
		if len(page) == 0 {
			break
		}
		if !started {
			writeJSONHeader(w)
			started = true
		}
		if _, err := buf.WriteTo(w); err != nil {
			return fail(err)
		}
	}
	buf.WriteString(close)
	if !started {
		writeJSONHeader(w)
		started = true
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fail(err)
	}
	return nil
}

func writeJSONHeader(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
}
