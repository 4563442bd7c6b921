package messaging

import (
	"context"
	"io"
	"unicode/utf8"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/store"
)

// maxDescription is the longest description of a training file, in characters.
const maxDescription = 1000

// UploadTrainingFile implements POST /v1/trainingFiles: part `file` (1 byte to MaxTrainingFile,
// any type; its filename and content type are kept) and an optional `description`. Other parts
// are ignored. The file is stored; no training happens.
func (h *Handler) UploadTrainingFile(ctx context.Context, req gen.UploadTrainingFileRequestObject) (gen.UploadTrainingFileResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required: multipart/form-data with a file part")
	}
	var (
		f       store.TrainingFile
		gotFile bool
	)
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
			if gotFile {
				return nil, apierr.Invalidf("file: send one file per upload")
			}
			gotFile = true
			data, err := io.ReadAll(io.LimitReader(part, MaxTrainingFile+1))
			if err != nil {
				return nil, bodyError("file", err)
			}
			switch {
			case len(data) == 0:
				return nil, apierr.Invalidf("file: must not be empty")
			case len(data) > MaxTrainingFile:
				return nil, apierr.Invalidf("file: must be at most %d bytes (10 MiB)", MaxTrainingFile)
			}
			f.Data, f.Filename = data, part.FileName()
			if f.ContentType = part.Header.Get("Content-Type"); f.ContentType == "" {
				f.ContentType = "application/octet-stream"
			}
		case "description":
			b, err := io.ReadAll(io.LimitReader(part, 4*maxDescription+1))
			if err != nil {
				return nil, bodyError("description", err)
			}
			if !utf8.Valid(b) || utf8.RuneCount(b) > maxDescription {
				return nil, apierr.Invalidf("description: must be UTF-8 text of at most %d characters", maxDescription)
			}
			f.Description = string(b)
		}
	}
	if !gotFile {
		return nil, apierr.Invalidf("file: is required")
	}
	stored, err := h.svc.StoreTrainingFile(ctx, principal(ctx), f)
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
