package hub

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/store"
)

// guid reads a path or query GUID the intake already checked.
func guid(s string) uuid.UUID { return uuid.MustParse(s) }

// utc is how times leave the API: UTC, whole seconds.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func hubView(h store.Hub) gen.Hub {
	return gen.Hub{HubId: h.ID, TenantId: h.TenantID, Name: h.Name, Description: h.Description,
		CloseDormantConversation: h.CloseDormantDays, StatusId: gen.HubStatusId(h.StatusID),
		Created: utc(h.CreatedAt), Modified: utc(h.ModifiedAt)}
}

func integrationView(in store.HubIntegration) gen.Integration {
	c := gen.IntegrationConfiguration{PublicSigningKey: in.PublicKey, PrivateSigningKey: in.PrivateKey}
	if in.WebhookURL != "" {
		c.WebhookUrl = &in.WebhookURL
	}
	if in.Channel == hubrules.ChannelDirect {
		kind := gen.IntegrationConfigurationIntegrationType(in.Kind)
		c.IntegrationType, c.Echo = &kind, &in.Echo
		if in.Start != nil {
			var start []map[string]any
			if json.Unmarshal(in.Start, &start) == nil {
				c.Start = &start
			}
		}
	} else {
		events := make([]gen.IntegrationConfigurationEvents, len(in.Events))
		for i, e := range in.Events {
			events[i] = gen.IntegrationConfigurationEvents(e)
		}
		c.Events = &events
	}
	return gen.Integration{IntegrationId: in.ID, HubId: in.HubID, IntegrationTypeId: gen.IntegrationIntegrationTypeId(in.Kind),
		ChannelId: gen.IntegrationChannelId(in.Channel), Name: in.Name, StatusId: gen.IntegrationStatusId(in.StatusID),
		Configuration: c, Created: utc(in.CreatedAt), Modified: utc(in.ModifiedAt)}
}

func conversationView(tenant uuid.UUID, c store.HubConversation) gen.EstablishedConversation {
	v := gen.EstablishedConversation{TenantId: tenant, HubId: c.HubID, IntegrationId: c.IntegrationID, ConversationId: c.ID,
		TokenId: c.TokenID, OpenedDateTime: utc(c.OpenedAt),
		Properties: gen.ConversationProperties{Profile: nonNil(c.Profile), Additional: nonNil(c.Additional)}}
	if c.ClosedAt != nil {
		t := utc(*c.ClosedAt)
		v.ClosedDateTime = &t
	}
	return v
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
