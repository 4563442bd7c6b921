package store

import (
	"context"
	"log/slog"
	"os"
	"time"
)

// Checkpoints off the write path (SQLite, a file database).
//
// In WAL mode every commit appends pages to the WAL, and a checkpoint copies them back into the
// database file (and fsyncs it). SQLite's default runs that checkpoint inside a COMMIT, on the
// committing connection, whenever the WAL holds 1000 pages: with group commit, on the one
// writer, holding the only write lock, so every queued write waited for it (12% of the
// writer's CPU on the ask path, plus the file's fsync). Now one goroutine runs a PASSIVE
// checkpoint on its own connection within checkpointEvery of any write (the WAL file changed):
// it blocks neither the writer nor readers, and copies almost every page in the background.
//
// A background checkpoint alone cannot keep the WAL small under a steady stream of writes: the
// WAL is reused from its start only when a write begins with every frame copied, and by the
// time a background checkpoint ends, newer commits have appended frames. So the committing
// connection still checkpoints, at walAutoCheckpointPages instead of 1000: by then the
// background has copied all but the last moments' pages, the COMMIT copies those few, and the
// WAL restarts. Durability is the WAL's, unchanged: a checkpoint only moves committed pages.

// walAutoCheckpointPages is the WAL size (in pages of 4 KiB) at which a COMMIT checkpoints
// what the background has not yet copied, so the WAL stays under ~16 MiB.
const walAutoCheckpointPages = 4000

// checkpointEvery is how soon after a write the checkpointer runs.
const checkpointEvery = 100 * time.Millisecond

func (s *Store) runCheckpointer(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var seen os.FileInfo
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		// Any writer (this process's or another's) changes the WAL file.
		fi, err := os.Stat(s.sqlitePath + "-wal")
		if err != nil || seen != nil && fi.Size() == seen.Size() && fi.ModTime().Equal(seen.ModTime()) {
			continue
		}
		seen = fi
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		// On database/sql directly: bun would count it in Queries, a measure of what use cases
		// send (TestWriteQueryBudget failed when a checkpoint fell inside an ask).
		if _, err := s.db.DB.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			slog.Warn("store: WAL checkpoint failed; retried after the next write", "error", err)
		}
		cancel()
	}
}
