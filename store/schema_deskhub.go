package store

// 0010_deskhub_indexes: indexes so that the Hub Direct API's reads cost what they answer, not what
// is stored (issue 10, item 3).
//
//   - An activity poll (GET /api/v1/interactions/activities/{id}?type=K&leid=L) asks for the
//     conversation's activities after L whose sender OR recipient is of kind K. On the primary key
//     (tenant_id, conversation_id, event_id) alone that walks every activity after L, however few
//     involve K (an agent's poll of a conversation of a million customer-bot activities read them
//     all). With one index per side, HubActivities reads at most a page from each.
//   - The established conversations of a hub are its open ones: a partial index holds only those,
//     so the listing does not step over every conversation the hub ever closed.
//   - Hubs and integrations are listed in creation order (seq) per tenant (and per hub): an index
//     in that order, instead of sorting all of them for each page.
var schemaDeskHub = []string{
	`CREATE INDEX IF NOT EXISTS hub_activities_sender_idx ON hub_activities (tenant_id, conversation_id, sender_kind, event_id)`,
	`CREATE INDEX IF NOT EXISTS hub_activities_recipient_idx ON hub_activities (tenant_id, conversation_id, recipient_kind, event_id)`,
	`CREATE INDEX IF NOT EXISTS hub_conversations_open_idx ON hub_conversations (tenant_id, hub_id, seq) WHERE closed_at IS NULL`,
	`CREATE INDEX IF NOT EXISTS hubs_list_idx ON hubs (tenant_id, seq)`,
	`CREATE INDEX IF NOT EXISTS hub_integrations_list_idx ON hub_integrations (tenant_id, seq)`,
	`CREATE INDEX IF NOT EXISTS hub_integrations_hub_idx ON hub_integrations (tenant_id, hub_id, seq)`,
}
