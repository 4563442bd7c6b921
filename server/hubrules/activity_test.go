package hubrules

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const jsonType = "application/json; charset=utf-8"

func codesOf(err error) []Code {
	e, ok := AsError(err)
	if !ok {
		return nil
	}
	out := make([]Code, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.Code
	}
	return out
}

// TestParseActivityCodes: one row per code steps 4–6 answer, and the cases around them.
func TestParseActivityCodes(t *testing.T) {
	big := `{"type":"message","message":{"type":"text","text":"` + strings.Repeat("a", MaxBody) + `"}}`
	cases := []struct {
		name     string
		body     string
		ctype    string
		tooLarge bool
		business bool
		want     []Code // nil: accepted
		mention  string // a word the first description must contain
	}{
		// Step 4: the body.
		{name: "no body", body: "", want: []Code{EngBodyRequired}},
		{name: "blank body", body: "  \n", want: []Code{EngBodyRequired}},
		{name: "not JSON", body: `type=message`, want: []Code{EngBodyRequired}},
		{name: "an array", body: `[{"type":"message"}]`, want: []Code{EngBodyRequired}},
		{name: "trailing data", body: `{"type":"event","event":{"type":"seen"}} {}`, want: []Code{EngBodyRequired}},
		{name: "form content type", body: `{"type":"event","event":{"type":"seen"}}`, ctype: "application/x-www-form-urlencoded", want: []Code{EngBodyRequired}, mention: "Content-Type"},
		{name: "no content type", body: `{"type":"event","event":{"type":"seen"}}`, ctype: "-", want: []Code{EngBodyRequired}},
		{name: "invalid UTF-8", body: "{\"type\":\"message\",\"message\":{\"type\":\"text\",\"text\":\"\xff\"}}", want: []Code{EngBodyRequired}},
		{name: "over 256 KiB", body: big, tooLarge: true, want: []Code{EngUnsupported}, mention: "256 KiB"},
		{name: "empty object", body: `{}`, want: []Code{EngBodyEmpty}},

		// Step 5: the envelope.
		{name: "type missing, neither node", body: `{"externalId":"x"}`, want: []Code{EngRequired}, mention: "'type'"},
		{name: "type missing, both nodes", body: `{"message":{"type":"text","text":"a"},"event":{"type":"seen"}}`, want: []Code{EngOnlyOne}},
		{name: "type inferred: message", body: `{"message":{"type":"text","text":"a"}}`},
		{name: "type inferred: event", body: `{"event":{"type":"seen"}}`},
		{name: "type null counts as absent", body: `{"type":null,"event":{"type":"seen"}}`},
		{name: "type unknown", body: `{"type":"action","message":{"type":"text","text":"a"}}`, want: []Code{EngUnsupported}},
		{name: "type not a string", body: `{"type":1,"message":{"type":"text","text":"a"}}`, want: []Code{EngUnsupported}},
		{name: "type is case-sensitive", body: `{"type":"Message","message":{"type":"text","text":"a"}}`, want: []Code{EngUnsupported}},
		{name: "the seed verbatim", body: seedVerbatim, want: []Code{EngUnsupported, EngOnlyOne}, mention: "message | event"},
		{name: "message type, no message", body: `{"type":"message"}`, want: []Code{EngMessageOrEvent}},
		{name: "event type, message node", body: `{"type":"event","message":{"type":"text","text":"a"}}`, want: []Code{EngMessageOrEvent}},
		{name: "both nodes with a type", body: `{"type":"message","message":{"type":"text","text":"a"},"event":{"type":"seen"}}`, want: []Code{EngOnlyOne}},
		{name: "externalId not a string", body: `{"type":"event","event":{"type":"seen"},"externalId":5}`, want: []Code{EngUnsupported}},
		{name: "sender not an object", body: `{"type":"event","event":{"type":"seen"},"sender":"x"}`, want: []Code{EngUnsupported}},
		{name: "sender id not a GUID", body: `{"type":"event","event":{"type":"seen"},"sender":{"integrationId":"abc"}}`, want: []Code{EngBadGUID}},
		{name: "sender id empty", body: `{"type":"event","event":{"type":"seen"},"sender":{"integrationId":""}}`, want: []Code{EngBadGUID}},
		{name: "sender id a number", body: `{"type":"event","event":{"type":"seen"},"sender":{"integrationId":7}}`, want: []Code{EngBadGUID}},
		{name: "sender id null is absent", body: `{"type":"event","event":{"type":"seen"},"sender":{"integrationId":null}}`},
		{name: "envelope errors are all reported", body: `{"type":"x","externalId":1,"sender":{"integrationId":"y"},"message":{}}`, want: []Code{EngUnsupported, EngUnsupported, EngBadGUID}},
		{name: "business path needs a sender", body: `{"type":"message","message":{"type":"text","text":"a"}}`, business: true, want: []Code{EngRequired}, mention: "sender.integrationId"},
		{name: "business path with a sender", body: `{"message":{"type":"text","text":"a"},"sender":{"integrationId":"00000000-0000-0000-0000-000000000021"}}`, business: true},
		{name: "envelope fails before content", body: `{"type":"message","message":{"type":"nope"},"externalId":false}`, want: []Code{EngUnsupported}, mention: "externalId"},

		// Step 6: messages.
		{name: "message not an object", body: `{"type":"message","message":"hi"}`, want: []Code{EngUnsupported}},
		{name: "message type missing", body: `{"type":"message","message":{"text":"hi"}}`, want: []Code{EngRequired}},
		{name: "message type unknown", body: `{"type":"message","message":{"type":"sticker"}}`, want: []Code{EngUnsupported}},
		{name: "command is not sendable", body: `{"type":"message","message":{"type":"command","title":"x"}}`, want: []Code{EngUnsupported}},
		{name: "text without text, items or actions", body: `{"type":"message","message":{"type":"text"}}`, want: []Code{EngRequired}},
		{name: "blank text", body: `{"type":"message","message":{"type":"text","text":"  "}}`, want: []Code{EngRequired}},
		{name: "empty items and actions count as absent", body: `{"type":"message","message":{"type":"text","items":[],"actions":[]}}`, want: []Code{EngRequired}},
		{name: "text not a string", body: `{"type":"message","message":{"type":"text","text":5}}`, want: []Code{EngUnsupported}},
		{name: "text with NUL", body: `{"type":"message","message":{"type":"text","text":"a\u0000b"}}`, want: []Code{EngUnsupported}},
		{name: "text with items only", body: `{"type":"message","message":{"type":"text","items":[{"type":"image","url":"i.png"}]}}`},
		{name: "text item of a bad type", body: `{"type":"message","message":{"type":"text","items":[{"type":"carousel","items":[{}]}]}}`, want: []Code{EngUnsupported}},
		{name: "text item validated by its row", body: `{"type":"message","message":{"type":"text","items":[{"type":"attachment","url":"a"}]}}`, want: []Code{EngRequired, EngRequired}},
		{name: "text with a link action", body: `{"type":"message","message":{"type":"text","actions":[{"type":"link","title":"Go","url":"https://x"}]}}`},
		{name: "action without type", body: `{"type":"message","message":{"type":"text","actions":[{"title":"Go"}]}}`, want: []Code{EngRequired}},
		{name: "action of unknown type", body: `{"type":"message","message":{"type":"text","actions":[{"type":"call","title":"Go"}]}}`, want: []Code{EngUnsupported}},
		{name: "postback without payload", body: `{"type":"message","message":{"type":"text","actions":[{"type":"postback","title":"Go"}]}}`, want: []Code{EngRequired}},
		{name: "link without url and title", body: `{"type":"message","message":{"type":"text","actions":[{"type":"link"}]}}`, want: []Code{EngRequired, EngRequired}},
		{name: "youtube", body: `{"type":"message","message":{"type":"youtube","url":"youtu.be/x","size":10,"length":3}}`},
		{name: "video without url", body: `{"type":"message","message":{"type":"video","label":"v"}}`, want: []Code{EngRequired}},
		{name: "audio size negative", body: `{"type":"message","message":{"type":"audio","url":"a.mp3","size":-1}}`, want: []Code{EngUnsupported}},
		{name: "audio size a string", body: `{"type":"message","message":{"type":"audio","url":"a.mp3","size":"10"}}`, want: []Code{EngUnsupported}},
		{name: "image", body: `{"type":"message","message":{"type":"image","url":"i.png","alt":"a","titleColor":"#fff"}}`},
		{name: "image without url", body: `{"type":"message","message":{"type":"image"}}`, want: []Code{EngRequired}},
		{name: "attachment complete", body: `{"type":"message","message":{"type":"attachment","url":"f","label":"F","mimeType":"pdf"}}`},
		{name: "attachment without label and mimeType", body: `{"type":"message","message":{"type":"attachment","url":"f"}}`, want: []Code{EngRequired, EngRequired}},
		{name: "location by address", body: `{"type":"message","message":{"type":"location","address":"1 Main St"}}`},
		{name: "location by coordinates as strings", body: `{"type":"message","message":{"type":"location","latitude":"43.65","longitude":"-79.38"}}`},
		{name: "location with nothing", body: `{"type":"message","message":{"type":"location"}}`, want: []Code{EngLocation}},
		{name: "location with latitude only", body: `{"type":"message","message":{"type":"location","latitude":1}}`, want: []Code{EngLocation}},
		{name: "location latitude out of range", body: `{"type":"message","message":{"type":"location","latitude":91,"longitude":0}}`, want: []Code{EngBadDecimal}},
		{name: "location longitude not a number", body: `{"type":"message","message":{"type":"location","latitude":1,"longitude":"east"}}`, want: []Code{EngBadDecimal}},
		{name: "contact", body: `{"type":"message","message":{"type":"contact","title":"Ann","properties":[{"key":"phone","value":"1"}]}}`},
		{name: "contact without title", body: `{"type":"message","message":{"type":"contact"}}`, want: []Code{EngRequired}},
		{name: "contact property without key", body: `{"type":"message","message":{"type":"contact","title":"A","properties":[{"value":"1"}]}}`, want: []Code{EngRequired}},
		{name: "card with nothing", body: `{"type":"message","message":{"type":"card"}}`},
		{name: "card url without urlType", body: `{"type":"message","message":{"type":"card","url":"x.png"}}`, want: []Code{EngRequired}},
		{name: "card imageUrl is its url", body: `{"type":"message","message":{"type":"card","imageUrl":"x.png"}}`, want: []Code{EngRequired}, mention: "urlType"},
		{name: "card urlType unknown", body: `{"type":"message","message":{"type":"card","url":"x","urlType":"gif"}}`, want: []Code{EngUnsupported}},
		{name: "carousel", body: `{"type":"message","message":{"type":"carousel","items":[{"title":"A","url":"a.png","urlType":"image","actions":[{"type":"reply","title":"Yes","payload":"y"}]}]}}`},
		{name: "carousel without items", body: `{"type":"message","message":{"type":"carousel"}}`, want: []Code{EngRequired}},
		{name: "carousel with no items", body: `{"type":"message","message":{"type":"carousel","items":[]}}`, want: []Code{EngEmptyCollection}},
		{name: "list item url without urlType", body: `{"type":"message","message":{"type":"list","items":[{"title":"A","url":"x"}]}}`, want: []Code{EngRequired}},
		{name: "channels must be an array", body: `{"type":"message","message":{"type":"text","text":"a","channels":{}}}`, want: []Code{EngUnsupported}},
		{name: "content errors are all reported", body: `{"type":"message","message":{"type":"attachment","size":"x"}}`, want: []Code{EngRequired, EngRequired, EngRequired, EngUnsupported}},

		// Step 6: events.
		{name: "event not an object", body: `{"type":"event","event":[]}`, want: []Code{EngUnsupported}},
		{name: "event type missing", body: `{"type":"event","event":{}}`, want: []Code{EngRequired}},
		{name: "event type unknown", body: `{"type":"event","event":{"type":"click"}}`, want: []Code{EngUnsupported}},
		{name: "payload event", body: `{"type":"event","event":{"type":"payload","payloadType":"p","payload":{"a":1}}}`},
		{name: "payload without payloadType", body: `{"type":"event","event":{"type":"payload","payload":{}}}`, want: []Code{EngRequired}},
		{name: "payload without payload", body: `{"type":"event","event":{"type":"payload","payloadType":"p"}}`, want: []Code{EngRequired}},
		{name: "payload not an object", body: `{"type":"event","event":{"type":"payload","payloadType":"p","payload":[1]}}`, want: []Code{EngUnsupported}},
		{name: "typing_on", body: `{"type":"event","event":{"type":"typing_on"}}`},
		{name: "typing_off", body: `{"type":"event","event":{"type":"typing_off"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := jsonType
			switch c.ctype {
			case "":
			case "-":
				ct = ""
			default:
				ct = c.ctype
			}
			_, err := ParseActivity(Body{ContentType: ct, Raw: []byte(c.body), TooLarge: c.tooLarge}, c.business)
			got := codesOf(err)
			if err != nil && got == nil {
				t.Fatalf("error without codes: %v", err)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("codes %v, want %v (%v)", got, c.want, err)
			}
			if c.mention != "" && !strings.Contains(err.Error(), c.mention) {
				t.Errorf("%q does not mention %q", err, c.mention)
			}
			if err != nil {
				e, _ := AsError(err)
				for _, p := range e.Problems {
					if !strings.HasSuffix(p.Description(), "(code: "+string(p.Code)+")") || p.Code.Status() != 400 {
						t.Errorf("description %q / status %d", p.Description(), p.Code.Status())
					}
				}
			}
		})
	}
}

// seedVerbatim is the seed's example request body, exactly as printed.
const seedVerbatim = `{
    "externalId": "some-external-id",
    "type": "message | event",
    "sender": {
        "integrationId": "00000000-0000-0000-0000-000000000001"
    },
    "message": {
        "type": "text",
        "text": "Hi there!"			
    },
    "event": {
        "type": "payload",
        "payloadType": "my.payload.01",
        "payload": {
            "data1": "value1",
            "data2": "value2",
            "data3": "value3"
        }
    }                
}`

// TestParseActivityCaseInsensitiveKeys: the .NET client's PascalCase bodies (Json.NET without the
// camel-case resolver) bind like camelCase ones; the last of two keys differing in case wins.
func TestParseActivityCaseInsensitiveKeys(t *testing.T) {
	a, err := ParseActivity(Body{ContentType: "application/json", Raw: []byte(
		`{"isEcho":false,"Sender":{"IntegrationId":"00000000-0000-0000-0000-000000000021"},"Message":{"Text":"Hello","Type":"text"},"ExternalId":"e1"}`)}, true)
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != TypeMessage || a.Message.Text != "Hello" || a.SenderID == nil || a.SenderID.String() != "00000000-0000-0000-0000-000000000021" || *a.ExternalID != "e1" {
		t.Fatalf("parsed %+v", a)
	}
	body, _ := json.Marshal(a.Message.Body)
	if string(body) != `{"type":"text","text":"Hello"}` {
		t.Errorf("normalized message = %s", body)
	}
	a, err = ParseActivity(Body{ContentType: "application/json", Raw: []byte(`{"message":{"type":"text","TEXT":5,"text":"last wins"}}`)}, false)
	if err != nil || a.Message.Text != "last wins" {
		t.Fatalf("duplicate keys: %+v, %v", a, err)
	}
	_, err = ParseActivity(Body{ContentType: "application/json", Raw: []byte(`{"message":{"type":"text","text":"a","TEXT":5}}`)}, false)
	if got := codesOf(err); !slices.Equal(got, []Code{EngUnsupported}) {
		t.Errorf("a later wrong-typed duplicate: %v", err)
	}
}

// TestNormalizedContent: what is stored and delivered is camelCase, without unknown keys, with
// payloads as sent.
func TestNormalizedContent(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"message":{"Type":"text","Text":"hi","Junk":1,"Actions":[{"Type":"postback","Title":"T","Payload":"p","IsDefault":true,"x":1}]}}`,
			`{"type":"text","text":"hi","actions":[{"type":"postback","title":"T","payload":"p","isDefault":true}]}`},
		{`{"message":{"type":"card","imageUrl":"x.png","urlType":"image","title":"T"}}`,
			`{"type":"card","url":"x.png","urlType":"image","title":"T"}`},
		{`{"message":{"type":"location","latitude":"43.5","longitude":-79,"address":"A"}}`,
			`{"type":"location","address":"A","latitude":43.5,"longitude":-79}`},
		{`{"event":{"type":"payload","payloadType":"p","payload":{ "z": 1, "a": [true, null] },"extra":1}}`,
			`{"type":"payload","payloadType":"p","payload":{"z":1,"a":[true,null]}}`},
		{`{"event":{"type":"seen","payload":{"a":1}}}`, `{"type":"seen"}`},
		{`{"message":{"type":"text","text":"<b>&</b>","channels":[{"type":"Webchat","metadata":[{"key":"k","value":"v"}]}]}}`,
			`{"type":"text","text":"<b>&</b>","channels":[{"type":"Webchat","metadata":[{"key":"k","value":"v"}]}]}`},
	}
	for _, c := range cases {
		a, err := ParseActivity(Body{ContentType: "application/json", Raw: []byte(c.body)}, false)
		if err != nil {
			t.Fatalf("%s: %v", c.body, err)
		}
		var out Out
		if a.Message != nil {
			out = a.Message.Body
		} else {
			out = a.Event.Body
		}
		got, _ := Marshal(out)
		if string(got) != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

func TestStored(t *testing.T) {
	for body, want := range map[string]bool{
		`{"message":{"type":"text","text":"a"}}`:                             true,
		`{"event":{"type":"payload","payloadType":"p","payload":{}}}`:        true,
		`{"event":{"type":"typing_on"}}`:                                     false,
		`{"event":{"type":"seen"}}`:                                          false,
		`{"type":"event","event":{"type":"typing_off"},"externalId":"x123"}`: false,
	} {
		a, err := ParseActivity(Body{ContentType: "application/json", Raw: []byte(body)}, false)
		if err != nil || a.Stored() != want {
			t.Errorf("%s: stored %v (%v), want %v", body, a.Stored(), err, want)
		}
	}
}

func TestCodes(t *testing.T) {
	cases := []struct {
		code   Code
		number int
		status int
	}{
		{EngRequired, 5001, 400}, {EngUnauthorized, 102, 401}, {EngNotAllowed, 110, 403}, {EngForbidden, 101, 403},
		{EngConversationGone, 6500, 404}, {EngHubNotFound, 5500, 404}, {EngIntegrationUnknown, 6000, 404},
		{EngTimedOut, 108, 408}, {EngNotAvailable, 104, 410}, {EngSystemError, 100, 500}, {EngNoBusiness, 5501, 400},
		{PrtRequired, 301, 400}, {PrtNotImplemented, 103, 501}, {PrtHubNotFound, 699, 404}, {IdtSystemError, 100, 500},
		{TooManyRequests, 429, 429}, {Unavailable, 503, 503}, {TokenTimedOut, 408, 408},
	}
	for _, c := range cases {
		if c.code.Number() != c.number || c.code.Status() != c.status {
			t.Errorf("%s: number %d status %d, want %d %d", c.code, c.code.Number(), c.code.Status(), c.number, c.status)
		}
	}
	if d := (Problem{Code: TooManyRequests, Text: "slow down"}).Description(); d != "slow down" {
		t.Errorf("codeless description %q", d)
	}
	if d := (Problem{Code: EngRequired, Text: "x"}).Description(); d != "x (code: ENG005001)" {
		t.Errorf("description %q", d)
	}
}

func TestPathGUID(t *testing.T) {
	for _, s := range []string{"290E83FF-0AE1-4A62-AE8E-01759AD73FFD", "290e83ff-0ae1-4a62-ae8e-01759ad73ffd"} {
		if _, err := PathGUID("conversationId", s, EngBadGUID); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "290e83ff0ae14a62ae8e01759ad73ffd", "{290e83ff-0ae1-4a62-ae8e-01759ad73ffd}", "nope"} {
		for _, code := range []Code{EngBadGUID, EngBadGUIDParam, PrtBadGUID} {
			if _, err := PathGUID("id", s, code); !slices.Equal(codesOf(err), []Code{code}) {
				t.Errorf("%q with %s: %v", s, code, err)
			}
		}
	}
}
