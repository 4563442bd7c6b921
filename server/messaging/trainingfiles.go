package messaging

import (
	"context"
	"io"
	"os"
	"unicode/utf8"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/textrule"
	"github.com/switchboard-dev/switchboard/store"
)

// maxDescription is the longest description of a training file, in characters.
const maxDescription = 1000

// UploadTrainingFile implements POST /v1/trainingFiles: part `file` (1 byte to MaxTrainingFile,
// any type; its filename and content type are kept) and an optional `description`. Other parts
// are ignored. The file is stored; no training happens. The body is streamed (the edge hands it
// on unread): the file part is spooled to a temporary file and stored from there a chunk at a
// time, so memory does not grow with the file.
func (h *Handler) UploadTrainingFile(ctx context.Context, req gen.UploadTrainingFileRequestObject) (gen.UploadTrainingFileResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required: multipart/form-data with a file part")
	}
	var (
		f     store.TrainingFile
		spool *os.File
	)
	defer func() {
		if spool != nil {
			spool.Close()
			os.Remove(spool.Name())
		}
	}()
	for {
		part, err := req.Body.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, bodyError("multipart body", err)
		}
		switch part.FormName() {
		case "file":
			if spool != nil {
				return nil, apierr.Invalidf("file: send one file per upload")
			}
			if spool, err = os.CreateTemp("", "switchboard-upload-*"); err != nil {
				return nil, err
			}
			n, err := io.Copy(spool, io.LimitReader(part, MaxTrainingFile+1))
			if err != nil {
				return nil, bodyError("file", err)
			}
			switch {
			case n == 0:
				return nil, apierr.Invalidf("file: must not be empty")
			case n > MaxTrainingFile:
				return nil, apierr.Invalidf("file: must be at most %d bytes (10 MiB)", MaxTrainingFile)
			}
			f.Size, f.Filename = n, part.FileName()
			if f.ContentType = part.Header.Get("Content-Type"); f.ContentType == "" {
				f.ContentType = "application/octet-stream"
			}
		case "description":
			b, err := io.ReadAll(io.LimitReader(part, 4*maxDescription+1))
			if err != nil {
				return nil, bodyError("description", err)
			}
			if textrule.Check(string(b)) != nil || utf8.RuneCount(b) > maxDescription {
				return nil, apierr.Invalidf("description: must be UTF-8 text without NUL, of at most %d characters", maxDescription)
			}
			f.Description = string(b)
		}
	}
	if spool == nil {
		return nil, apierr.Invalidf("file: is required")
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	stored, err := h.svc.StoreTrainingFile(ctx, principal(ctx), f, spool)
	if err != nil {
		return nil, err
	}
	return gen.UploadTrainingFile201JSONResponse{Meta: h.meta(ctx), Data: trainingFile(stored)}, nil
}

// bodyError reports a body that could not be read: the edge's own words when reading failed
// (too large, broken framing, the client went away), else what is wrong with the part.
func bodyError(what string, err error) error {
	if p := httpkit.BodyProblem(err); p != nil {
		return p
	}
	return apierr.Invalidf("%s: %v", what, err)
}
