package service_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// BenchmarkWrites runs asks and add-messages from 64 goroutines on each database, on the wall
// clock, and reports beside ns/op the process CPU time per operation (fairer than wall time on
// a shared machine) and the queries per operation (below a lone use case's count when
// transactions are shared).
func BenchmarkWrites(b *testing.B) {
	for _, n := range storetest.Stores(b) {
		st := n.Store
		ctx := context.Background()
		svc := service.New(st)
		ten, err := svc.CreateTenant(ctx, "Bench "+uuid.NewString()[:8], "")
		if err != nil {
			b.Fatal(err)
		}
		name := "Ann"
		if _, err := svc.CreateExpert(ctx, ten.ID, service.ExpertInput{Name: &name}); err != nil {
			b.Fatal(err)
		}
		p := service.Principal{TenantID: ten.ID, Scope: "read write"}
		ask := func() (uuid.UUID, error) {
			v, err := svc.Ask(ctx, p, question.MessagingInput{Text: "how do I reset my password?"})
			if err != nil {
				return uuid.Nil, err
			}
			return v.Q.UUID, nil
		}
		b.Run(n.Name+"/ask", func(b *testing.B) {
			measure(b, st, func(*testing.PB) func() error {
				return func() error { _, err := ask(); return err }
			})
		})
		b.Run(n.Name+"/message", func(b *testing.B) {
			measure(b, st, func(*testing.PB) func() error {
				q, err := ask()
				i := 0
				return func() error {
					if err != nil {
						return err
					}
					if i++; i%50 == 0 { // a fresh question every 50 messages, as make load does
						if q, err = ask(); err != nil {
							return err
						}
					}
					_, _, err := svc.PostUserMessage(ctx, p, q, nil, "more details")
					return err
				}
			})
		})
	}
}

func measure(b *testing.B, st *store.Store, op func(*testing.PB) func() error) {
	b.SetParallelism(32) // × GOMAXPROCS 2 = 64 goroutines
	cpu0, q0 := cpuTime(), st.Queries()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		do := op(pb)
		for pb.Next() {
			if err := do(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(st.Queries()-q0)/float64(b.N), "queries/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
