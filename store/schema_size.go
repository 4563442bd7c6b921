package store

// 0007_conversation_indexes: what keeps the cost of a question's reads and writes independent of
// how many messages it holds.
//
//   - messages_system_idx: a question's system messages (author_type SYSTEM), the working set the
//     lifecycle rules need on every write (package question: Conversation.Partial). Partial, so it
//     holds only those (bounded per question by its responses × the eleven system types) and
//     costs nothing on a user or expert message insert. A query uses it only when its WHERE has
//     the literal author_type = 'SYSTEM' (see SystemMessages).
//   - messages_thread_idx: one thread's messages in order (response_uuid NULL = question level),
//     for views written thread by thread (EachThreadMessage), a thread's first message (the Help
//     Desk answer text) and GET /v1/messages?responseUuid=.
var schemaSize = []string{
	`CREATE INDEX IF NOT EXISTS messages_system_idx ON messages (tenant_id, question_uuid, seq)
		WHERE author_type = 'SYSTEM'`,
	`CREATE INDEX IF NOT EXISTS messages_thread_idx ON messages (tenant_id, question_uuid, response_uuid, seq)`,
}
