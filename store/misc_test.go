package store_test

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func TestCompanySettings(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		if doc, err := s.Settings(ctx, a.ID); doc != nil || err != nil {
			t.Fatalf("Settings before any = %q, %v", doc, err)
		}
		t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, doc := range []string{`{"offerTopK":3,"b":1, "a":[1,2]}`, `{"markdown":true}`} {
			if err := s.PutSettings(ctx, a.ID, []byte(doc), t0); err != nil {
				t.Fatal(err)
			}
			got, err := s.Settings(ctx, a.ID)
			if err != nil || string(got) != doc {
				t.Fatalf("Settings = %q, %v; want %q verbatim", got, err, doc)
			}
		}
		if doc, err := s.Settings(ctx, b.ID); doc != nil || err != nil {
			t.Errorf("Settings(b) = %q, %v; want none", doc, err)
		}
		for tenant, want := range map[uuid.UUID]string{a.ID: `{"markdown":true}`, b.ID: ""} {
			inTx(t, s, tenant, func(tx *store.TenantTx) error {
				doc, err := tx.Settings(ctx)
				if string(doc) != want || (want == "") != (doc == nil) {
					t.Errorf("tx.Settings = %q, want %q", doc, want)
				}
				return err
			})
		}
		wantErr(t, "PutSettings(unknown tenant)", s.PutSettings(ctx, uuid.New(), []byte(`{}`), t0), store.ErrNotFound)
		if err := s.PutSettings(ctx, a.ID, []byte(`{"x":`), t0); err == nil {
			t.Error("invalid JSON accepted")
		}
		if got, _ := s.Settings(ctx, a.ID); string(got) != `{"markdown":true}` {
			t.Errorf("failed put changed the settings: %s", got)
		}
	})
}

func TestOperatorSettings(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if v, err := s.OperatorSetting(ctx, "clock"); v != nil || err != nil {
			t.Fatalf("OperatorSetting before set = %q, %v", v, err)
		}
		t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, v := range []string{`{"now":"2025-01-01T00:00:00Z"}`, "\x00\xffbinary"} {
			if err := s.SetOperatorSetting(ctx, "clock", []byte(v), t0); err != nil {
				t.Fatal(err)
			}
			got, err := s.OperatorSetting(ctx, "clock")
			if err != nil || string(got) != v {
				t.Fatalf("OperatorSetting = %q, %v; want %q", got, err, v)
			}
		}
		if err := s.SetOperatorSetting(ctx, "empty", nil, t0); err != nil {
			t.Fatal(err)
		}
		if got, err := s.OperatorSetting(ctx, "empty"); got == nil || len(got) != 0 || err != nil {
			t.Errorf("empty setting = %q (nil=%v), %v; want empty, non-nil", got, got == nil, err)
		}
		if err := s.SetOperatorSetting(ctx, "", []byte("x"), t0); err == nil {
			t.Error("empty name accepted")
		}
		// The admin token hash is a separate setting.
		_, err := s.AdminTokenHash(ctx)
		wantErr(t, "AdminTokenHash", err, store.ErrNotFound)
		if err := s.SetAdminTokenHash(ctx, []byte("h")); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.OperatorSetting(ctx, "clock"); string(got) != "\x00\xffbinary" {
			t.Errorf("clock after SetAdminTokenHash = %q", got)
		}
	})
}

func TestEvents(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		e := mustExpert(t, s, a.ID, "e", time.Time{})
		eb := mustExpert(t, s, b.ID, "eb", time.Time{})
		q1 := mustMessagingQuestion(t, s, a.ID)
		q2 := mustMessagingQuestion(t, s, a.ID)
		qb := mustMessagingQuestion(t, s, b.ID)
		t0 := time.Date(2025, 8, 1, 0, 0, 0, 1500, time.UTC)

		var inserted []store.Event
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			for i := range 7 {
				ev := store.Event{Type: fmt.Sprintf("T%d", i), QuestionUUID: q1.UUID, CreatedAt: t0.Add(time.Duration(i) * time.Second)}
				if i%2 == 1 {
					ev.QuestionUUID = q2.UUID
					ev.ExpertUUID = &e.UUID
					ev.Data = []byte(fmt.Sprintf(`{"i":%d, "z":"a"}`, i))
				}
				if err := tx.InsertEvent(ctx, &ev); err != nil {
					return err
				}
				if len(inserted) > 0 && ev.Seq <= inserted[len(inserted)-1].Seq {
					t.Errorf("Seq %d not increasing", ev.Seq)
				}
				inserted = append(inserted, ev)
			}
			return nil
		})
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			return tx.InsertEvent(ctx, &store.Event{Type: "B", QuestionUUID: qb.UUID, ExpertUUID: &eb.UUID})
		})

		all, err := s.Events(ctx, a.ID, store.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(inserted) {
			t.Fatalf("Events(a) = %d, want %d", len(all), len(inserted))
		}
		for i, g := range all {
			w := inserted[i]
			wantUTC(t, "event CreatedAt", g.CreatedAt, w.CreatedAt.Truncate(time.Microsecond))
			if g.Seq != w.Seq || g.TenantID != a.ID || g.Type != w.Type || g.QuestionUUID != w.QuestionUUID ||
				deref(g.ExpertUUID) != deref(w.ExpertUUID) || !bytes.Equal(g.Data, w.Data) {
				t.Errorf("event %d:\n got %+v %s\nwant %+v %s", i, g, g.Data, w, w.Data)
			}
		}
		if string(all[0].Data) != "{}" || string(all[1].Data) != `{"i":1, "z":"a"}` {
			t.Errorf("event data = %s, %s", all[0].Data, all[1].Data)
		}
		// Keyset pagination and the question filter.
		page, _ := s.Events(ctx, a.ID, store.EventFilter{After: inserted[2].Seq, Limit: 2})
		if len(page) != 2 || page[0].Seq != inserted[3].Seq || page[1].Seq != inserted[4].Seq {
			t.Errorf("page after #2 = %+v", page)
		}
		onQ2, _ := s.Events(ctx, a.ID, store.EventFilter{QuestionUUID: &q2.UUID})
		var types []string
		for _, ev := range onQ2 {
			types = append(types, ev.Type)
		}
		if !slices.Equal(types, []string{"T1", "T3", "T5"}) {
			t.Errorf("events of q2 = %v", types)
		}

		// Isolation.
		if evs, _ := s.Events(ctx, b.ID, store.EventFilter{}); len(evs) != 1 || evs[0].Type != "B" {
			t.Errorf("Events(b) = %+v", evs)
		}
		if evs, _ := s.Events(ctx, b.ID, store.EventFilter{QuestionUUID: &q1.UUID}); len(evs) != 0 {
			t.Errorf("Events(b, q1) = %+v", evs)
		}
		for name, ev := range map[string]store.Event{
			"a's question": {Type: "X", QuestionUUID: q1.UUID},
			"a's expert":   {Type: "X", QuestionUUID: qb.UUID, ExpertUUID: &e.UUID},
		} {
			err := s.InTenantTx(ctx, b.ID, func(tx *store.TenantTx) error { return tx.InsertEvent(ctx, &ev) })
			wantErr(t, "tx(b).InsertEvent on "+name, err, store.ErrNotFound)
		}
		for name, ev := range map[string]store.Event{
			"no type":  {QuestionUUID: q1.UUID},
			"bad JSON": {Type: "X", QuestionUUID: q1.UUID, Data: []byte("{")},
		} {
			if err := s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error { return tx.InsertEvent(ctx, &ev) }); err == nil {
				t.Errorf("InsertEvent(%s) accepted", name)
			}
		}
	})
}

func TestAutomaticAnswers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
		ans := store.AutomaticAnswer{TenantID: a.ID, Query: "refund my invoice", ClassName: "billing",
			Title: "Refunds", Body: "Go to **Billing**.", Confidence: 0.75, CreatedAt: t0}
		if err := s.InsertAutomaticAnswer(ctx, &ans); err != nil {
			t.Fatal(err)
		}
		if ans.UUID == uuid.Nil || !ans.UpdatedAt.Equal(t0) {
			t.Fatalf("InsertAutomaticAnswer defaults: %+v", ans)
		}
		got, err := s.AutomaticAnswer(ctx, a.ID, ans.UUID)
		if err != nil {
			t.Fatal(err)
		}
		assertAnswer(t, got, ans)

		for i, fb := range []string{"ACCEPTED", "REJECTED"} {
			ans.Feedback, ans.UpdatedAt = fb, t0.Add(time.Duration(i+1)*time.Minute)
			got, err := s.SetAutomaticAnswerFeedback(ctx, a.ID, ans.UUID, fb, ans.UpdatedAt)
			if err != nil {
				t.Fatal(err)
			}
			assertAnswer(t, got, ans)
			got, _ = s.AutomaticAnswer(ctx, a.ID, ans.UUID)
			assertAnswer(t, got, ans)
		}

		// Isolation and unknowns.
		_, err = s.AutomaticAnswer(ctx, b.ID, ans.UUID)
		wantErr(t, "AutomaticAnswer(b, a's)", err, store.ErrNotFound)
		_, err = s.SetAutomaticAnswerFeedback(ctx, b.ID, ans.UUID, "ACCEPTED", t0)
		wantErr(t, "SetAutomaticAnswerFeedback(b, a's)", err, store.ErrNotFound)
		if got, _ := s.AutomaticAnswer(ctx, a.ID, ans.UUID); got.Feedback != "REJECTED" {
			t.Errorf("feedback changed through b: %q", got.Feedback)
		}
		_, err = s.AutomaticAnswer(ctx, a.ID, uuid.New())
		wantErr(t, "AutomaticAnswer(unknown)", err, store.ErrNotFound)
		dup := ans
		wantErr(t, "duplicate answer", s.InsertAutomaticAnswer(ctx, &dup), store.ErrConflict)
		wantErr(t, "answer of unknown tenant", s.InsertAutomaticAnswer(ctx, &store.AutomaticAnswer{TenantID: uuid.New()}), store.ErrNotFound)
	})
}

func assertAnswer(t *testing.T, got, want store.AutomaticAnswer) {
	t.Helper()
	wantUTC(t, "answer CreatedAt", got.CreatedAt, want.CreatedAt)
	wantUTC(t, "answer UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Errorf("answer:\n got %+v\nwant %+v", got, want)
	}
}

func TestTrainingFiles(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		data := append(bytes.Repeat([]byte{0, 0xff, 'x'}, 1000), 0)
		f := store.TrainingFile{TenantID: a.ID, Filename: "faq.csv", ContentType: "text/csv", Description: "FAQ",
			Data: data, Size: 1, CreatedAt: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)}
		if err := s.InsertTrainingFile(ctx, &f); err != nil {
			t.Fatal(err)
		}
		if f.UUID == uuid.Nil || f.Size != int64(len(data)) {
			t.Fatalf("InsertTrainingFile: %+v", f)
		}
		got, err := s.TrainingFile(ctx, a.ID, f.UUID)
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "file CreatedAt", got.CreatedAt, f.CreatedAt)
		if got.Data != nil || got.Filename != "faq.csv" || got.ContentType != "text/csv" || got.Description != "FAQ" ||
			got.Size != int64(len(data)) || got.TenantID != a.ID || got.UUID != f.UUID {
			t.Errorf("TrainingFile = %+v", got)
		}
		if n, err := s.CountRows(ctx, "training_files"); err != nil || n != 1 {
			t.Fatal(n, err)
		}
		_, err = s.TrainingFile(ctx, b.ID, f.UUID)
		wantErr(t, "TrainingFile(b, a's)", err, store.ErrNotFound)
		dup := f
		wantErr(t, "duplicate file", s.InsertTrainingFile(ctx, &dup), store.ErrConflict)
		empty := store.TrainingFile{TenantID: b.ID, Filename: "empty"}
		if err := s.InsertTrainingFile(ctx, &empty); err != nil || empty.Size != 0 {
			t.Errorf("empty file: %v, %+v", err, empty)
		}
		wantErr(t, "file of unknown tenant", s.InsertTrainingFile(ctx, &store.TrainingFile{TenantID: uuid.New()}), store.ErrNotFound)
	})
}

func TestPageQuestions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
		// 30 messaging questions; LastUpdated ties in pairs (broken by id desc).
		var ids []int64
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			for i := range 30 {
				q := &store.Question{Channel: store.ChannelMessaging, Subject: fmt.Sprint(i),
					LastUpdated: t0.Add(time.Duration(i/2) * time.Second), AuthorRefID: []string{"u1", "u2", ""}[i%3]}
				if i%4 == 0 {
					q.Status = "RESOLVED"
				}
				if err := tx.InsertQuestion(ctx, q); err != nil {
					return err
				}
				ids = append(ids, q.ID)
				// Helpdesk questions never show in a messaging page.
				if err := tx.InsertQuestion(ctx, newHelpDeskQuestion(fmt.Sprint("hd", i))); err != nil {
					return err
				}
			}
			return nil
		})
		mustInsertQuestion(t, s, b.ID, &store.Question{Channel: store.ChannelMessaging, AuthorRefID: "u1", LastUpdated: t0.Add(time.Hour)})

		subjects := func(qs []store.Question) []string {
			var out []string
			for _, q := range qs {
				out = append(out, q.Subject)
			}
			return out
		}
		var want []string
		for i := 29; i >= 0; i-- {
			want = append(want, fmt.Sprint(i))
		}
		page, total, err := s.PageQuestions(ctx, a.ID, store.PageFilter{Channel: store.ChannelMessaging, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if total != 30 || !slices.Equal(subjects(page), want) {
			t.Fatalf("PageQuestions = %v (total %d), want %v", subjects(page), total, want)
		}
		// Paging with offset covers the same sequence.
		var paged []string
		for off := 0; off < 35; off += 7 {
			p, tot, err := s.PageQuestions(ctx, a.ID, store.PageFilter{Channel: store.ChannelMessaging, Offset: off, Limit: 7})
			if err != nil || tot != 30 {
				t.Fatalf("page at %d: total %d, %v", off, tot, err)
			}
			paged = append(paged, subjects(p)...)
		}
		if !slices.Equal(paged, want) {
			t.Fatalf("paged = %v", paged)
		}
		// An offset past int32 (bun's own limit) is past the last page, not a wrapped-around one.
		for _, off := range []int{30, 1 << 32, 1<<32 + 3, math.MaxInt} {
			if p, tot, err := s.PageQuestions(ctx, a.ID, store.PageFilter{Channel: store.ChannelMessaging, Offset: off, Limit: 7}); err != nil || tot != 30 || len(p) != 0 {
				t.Errorf("offset %d: %d questions, total %d, %v; want none of 30", off, len(p), tot, err)
			}
		}
		// Filters: status and author, combined.
		p, tot, _ := s.PageQuestions(ctx, a.ID, store.PageFilter{Channel: store.ChannelMessaging, Status: "RESOLVED", AuthorRefID: "u1", Limit: 100})
		// i%4==0 && i%3==0 → 0, 12, 24.
		if tot != 3 || !slices.Equal(subjects(p), []string{"24", "12", "0"}) {
			t.Errorf("RESOLVED u1 = %v (total %d)", subjects(p), tot)
		}
		if _, tot, _ := s.PageQuestions(ctx, a.ID, store.PageFilter{}); tot != 60 {
			t.Errorf("all channels total = %d, want 60", tot)
		}
		if p, _, _ := s.PageQuestions(ctx, a.ID, store.PageFilter{}); len(p) != store.DefaultListLimit {
			t.Errorf("default limit page = %d", len(p))
		}
		if p, tot, _ := s.PageQuestions(ctx, a.ID, store.PageFilter{Channel: store.ChannelMessaging, Offset: 30}); len(p) != 0 || tot != 30 {
			t.Errorf("page past the end = %d rows, total %d", len(p), tot)
		}
		// Isolation.
		p, tot, _ = s.PageQuestions(ctx, b.ID, store.PageFilter{AuthorRefID: "u1"})
		if tot != 1 || len(p) != 1 || p[0].TenantID != b.ID {
			t.Errorf("PageQuestions(b) = %+v (total %d)", p, tot)
		}
		if p, tot, _ := s.PageQuestions(ctx, uuid.New(), store.PageFilter{}); tot != 0 || len(p) != 0 {
			t.Errorf("unknown tenant: %d rows, total %d", len(p), tot)
		}
	})
}

func TestMarkReadAndDeleteByUUID(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		q := &store.Question{Channel: store.ChannelMessaging, LastUpdated: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
		other := mustMessagingQuestion(t, s, a.ID)
		mustInsertQuestion(t, s, a.ID, q)
		var msgs, otherMsgs []store.Message
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			r := store.Response{QuestionUUID: q.UUID, Type: "Expert"}
			if err := tx.InsertResponse(ctx, &r); err != nil {
				return err
			}
			for i := range 5 {
				m := store.Message{QuestionUUID: q.UUID, Type: "EXPERT_MESSAGE", AuthorType: "EXPERT", IsRead: i == 0}
				if i%2 == 1 {
					m.ResponseUUID = &r.UUID
				}
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				msgs = append(msgs, m)
				o := store.Message{QuestionUUID: other.UUID, Type: "EXPERT_MESSAGE", AuthorType: "EXPERT"}
				if err := tx.InsertMessage(ctx, &o); err != nil {
					return err
				}
				otherMsgs = append(otherMsgs, o)
			}
			return nil
		})
		unread := func(id uuid.UUID) int {
			ms, err := s.QuestionMessages(ctx, a.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range ms {
				if !m.IsRead {
					n++
				}
			}
			return n
		}

		// Tenant b can neither mark nor delete a's messages.
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			if n, err := tx.MarkMessagesRead(ctx, q.UUID); n != 0 || err != nil {
				t.Errorf("tx(b).MarkMessagesRead = %d, %v", n, err)
			}
			if n, err := tx.DeleteMessagesByUUID(ctx, q.UUID, []uuid.UUID{msgs[0].UUID}); n != 0 || err != nil {
				t.Errorf("tx(b).DeleteMessagesByUUID = %d, %v", n, err)
			}
			return nil
		})
		if unread(q.UUID) != 4 {
			t.Fatalf("unread after b's attempt = %d", unread(q.UUID))
		}

		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			for _, want := range []int{4, 0} {
				if n, err := tx.MarkMessagesRead(ctx, q.UUID); n != want || err != nil {
					t.Errorf("MarkMessagesRead = %d, %v; want %d", n, err, want)
				}
			}
			return nil
		})
		if unread(q.UUID) != 0 || unread(other.UUID) != 5 {
			t.Errorf("unread: q %d, other %d", unread(q.UUID), unread(other.UUID))
		}
		if got, _ := s.Question(ctx, a.ID, q.UUID); !got.LastUpdated.Equal(q.LastUpdated) {
			t.Errorf("MarkMessagesRead moved LastUpdated to %v", got.LastUpdated)
		}

		// Delete by UUID: only the question's own, at any level.
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			if n, err := tx.DeleteMessagesByUUID(ctx, q.UUID, nil); n != 0 || err != nil {
				t.Errorf("DeleteMessagesByUUID(none) = %d, %v", n, err)
			}
			n, err := tx.DeleteMessagesByUUID(ctx, q.UUID, []uuid.UUID{msgs[1].UUID, msgs[2].UUID, otherMsgs[0].UUID, uuid.New()})
			if n != 2 || err != nil {
				t.Errorf("DeleteMessagesByUUID = %d, %v; want 2", n, err)
			}
			return nil
		})
		left, _ := s.QuestionMessages(ctx, a.ID, q.UUID)
		var leftIDs []uuid.UUID
		for _, m := range left {
			leftIDs = append(leftIDs, m.UUID)
		}
		if want := []uuid.UUID{msgs[0].UUID, msgs[3].UUID, msgs[4].UUID}; !slices.Equal(leftIDs, want) {
			t.Errorf("left = %v, want %v", leftIDs, want)
		}
		if o, _ := s.QuestionMessages(ctx, a.ID, other.UUID); len(o) != 5 {
			t.Errorf("other question lost messages: %d", len(o))
		}
	})
}
