package hubrules

import (
	"encoding/json"
	"strings"
)

// Message types (hubsterio/docs api/4_activities.rst; Hubster.Abstractions DirectActivityMessageType).
const (
	MsgText       = "text"
	MsgYoutube    = "youtube"
	MsgVimeo      = "vimeo"
	MsgVideo      = "video"
	MsgAudio      = "audio"
	MsgImage      = "image"
	MsgAttachment = "attachment"
	MsgLocation   = "location"
	MsgContact    = "contact"
	MsgCard       = "card"
	MsgCarousel   = "carousel"
	MsgList       = "list"
)

// messageTypes lists what a message's type may be, in the order error texts name them.
var messageTypes = []string{MsgText, MsgYoutube, MsgVimeo, MsgVideo, MsgAudio, MsgImage, MsgAttachment,
	MsgLocation, MsgContact, MsgCard, MsgCarousel, MsgList}

// itemTypes are what a text message's items may be (ACT).
var itemTypes = []string{MsgYoutube, MsgVimeo, MsgVideo, MsgAudio, MsgImage, MsgAttachment, MsgLocation, MsgContact, MsgCard}

// urlTypes are the values of a card's or list item's urlType (ACT).
var urlTypes = []string{"image", "youtube", "vimeo", "video", "audio"}

// actionTypes are the types of an action.
var actionTypes = []string{"postback", "reply", "link"}

// BusinessOnly reports whether only agents and bots may send the message type (carousel, list).
func BusinessOnly(msgType string) bool { return msgType == MsgCarousel || msgType == MsgList }

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// parseMessage validates a message (or a text message's item: allowed are then only itemTypes)
// and returns it normalized. path is where it sits ("message", "message.items[0]").
func parseMessage(v json.RawMessage, path string, p *problems) *Message {
	f, ok := (&fields{p: p}).child(path, v)
	if !ok {
		return nil
	}
	allowed := messageTypes
	if path != "message" {
		allowed = itemTypes
	}
	t, ok := f.obj.Get("type")
	if !ok {
		p.add(EngRequired, "Property '%s.type' is required (%s).", path, strings.Join(allowed, ", "))
		return nil
	}
	typ, isStr := asString(t)
	if !isStr || !oneOf(typ, allowed) {
		p.add(EngUnsupported, "Property '%s.type' does not support the value %s (%s).", path, clip(string(t)), strings.Join(allowed, ", "))
		return nil
	}
	f.out.Add("type", typ)
	m := &Message{Type: typ}
	switch typ {
	case MsgText:
		m.Text = f.text()
	case MsgYoutube, MsgVimeo, MsgVideo, MsgAudio:
		f.str("url", true)
		f.strs("label", "mimeType")
		f.integer("size")
		f.str("fallbackImageUrl", false)
		f.integer("length")
	case MsgImage:
		f.str("url", true)
		f.strs("urlAnchor", "alt", "title", "titleColor")
	case MsgAttachment:
		f.str("url", true)
		f.str("label", true)
		f.str("mimeType", true)
		f.integer("size")
	case MsgLocation:
		f.location()
	case MsgContact:
		f.str("title", true)
		f.strs("imageUrl", "subtitle")
		f.properties()
	case MsgCard:
		f.card()
	case MsgCarousel, MsgList:
		f.listItems()
		if typ == MsgList {
			f.actions()
		}
	}
	f.channels()
	m.Body = f.out
	return m
}

// text reads a text message: at least one of a non-blank text, items and actions.
func (f *fields) text() string {
	before := len(f.p.list)
	text, hasText := f.str("text", false)
	badText := len(f.p.list) > before // a wrong text is reported as such, not as missing
	hasText = hasText && !blank(text)
	items, _ := f.array("items")
	if len(items) > 0 {
		out := make([]Out, 0, len(items))
		for i, it := range items {
			if m := parseMessage(it, elementPath(f.path, "items", i), f.p); m != nil {
				out = append(out, m.Body)
			}
		}
		f.out.Add("items", out)
	}
	n := f.actions()
	if !hasText && !badText && len(items) == 0 && n == 0 {
		f.p.add(EngRequired, "Property '%s.text' is required (or '%s.items' or '%s.actions').", f.path, f.path, f.path)
	}
	return text
}

// location: an address, or latitude and longitude (numbers or numeric strings within range).
func (f *fields) location() {
	_, hasAddr := f.str("address", false)
	lat, hasLat := f.coordinate("latitude", 90)
	lon, hasLon := f.coordinate("longitude", 180)
	if hasLat && hasLon {
		f.out.Add("latitude", lat)
		f.out.Add("longitude", lon)
	}
	_, latSent := f.obj.Get("latitude")
	_, lonSent := f.obj.Get("longitude")
	switch {
	case latSent != lonSent:
		f.p.add(EngLocation, "Property '%s' needs both 'latitude' and 'longitude'.", f.path)
	case !hasAddr && !latSent:
		f.p.add(EngLocation, "Property '%s' needs an 'address', or 'latitude' and 'longitude'.", f.path)
	}
	f.str("imageUrl", false)
}

func (f *fields) coordinate(n string, limit float64) (float64, bool) {
	v, ok := f.obj.Get(n)
	if !ok {
		return 0, false
	}
	d, isNum := asDecimal(v)
	if !isNum || d < -limit || d > limit {
		f.p.add(EngBadDecimal, "Property '%s' must be a decimal number from %v to %v (got %s).", f.name(n), -limit, limit, clip(string(v)))
		return 0, false
	}
	return d, true
}

// card: every field optional; urlType is required with url; imageUrl is read as url.
func (f *fields) card() {
	f.urlAndType()
	f.strs("fallbackImageUrl", "title", "subtitle", "content")
}

// urlAndType reads url (or, on a card, its alias imageUrl) and urlType, which url requires.
func (f *fields) urlAndType() {
	url, hasURL := f.str("url", false)
	if !hasURL {
		if v, ok := f.obj.Get("imageUrl"); ok {
			if s, isStr := asString(v); isStr {
				url, hasURL = s, true
				f.out.Add("url", s)
			} else {
				f.unsupportedType("imageUrl", v, "a string")
			}
		}
	}
	ut, hasType := f.str("urlType", false)
	switch {
	case hasType && !oneOf(ut, urlTypes):
		f.p.add(EngUnsupported, "Property '%s' does not support the value '%s' (%s).", f.name("urlType"), clip(ut), strings.Join(urlTypes, ", "))
	case hasURL && !blank(url) && !hasType:
		f.p.add(EngRequired, "Property '%s' is required with 'url' (%s).", f.name("urlType"), strings.Join(urlTypes, ", "))
	}
}

// properties reads a contact's properties: objects with a key, a value and an optional type.
func (f *fields) properties() {
	items, ok := f.array("properties")
	if !ok {
		return
	}
	out := make([]Out, 0, len(items))
	for i, it := range items {
		c, ok := f.child(elementPath(f.path, "properties", i), it)
		if !ok {
			continue
		}
		c.str("key", true)
		c.str("value", false)
		c.str("type", false)
		out = append(out, c.out)
	}
	f.out.Add("properties", out)
}

// listItems reads a carousel's or list's items: required, at least one.
func (f *fields) listItems() {
	items, ok := f.array("items")
	switch {
	case !ok && !f.obj.Has("items"):
		f.p.add(EngRequired, "Property '%s' is required: one or more list items.", f.name("items"))
		return
	case !ok:
		return
	case len(items) == 0:
		f.p.add(EngEmptyCollection, "Property '%s' must hold one or more list items.", f.name("items"))
		return
	}
	out := make([]Out, 0, len(items))
	for i, it := range items {
		c, ok := f.child(elementPath(f.path, "items", i), it)
		if !ok {
			continue
		}
		c.strs("title", "subtitle", "content")
		c.urlAndType()
		c.str("fallbackImageUrl", false)
		c.actions()
		out = append(out, c.out)
	}
	f.out.Add("items", out)
}

// actions reads `actions` and returns how many there are.
func (f *fields) actions() int {
	items, ok := f.array("actions")
	if !ok || len(items) == 0 {
		return 0
	}
	out := make([]Out, 0, len(items))
	for i, it := range items {
		c, ok := f.child(elementPath(f.path, "actions", i), it)
		if !ok {
			continue
		}
		t, ok := c.obj.Get("type")
		if !ok {
			f.p.add(EngRequired, "Property '%s' is required (%s).", c.name("type"), strings.Join(actionTypes, ", "))
			continue
		}
		typ, isStr := asString(t)
		if !isStr || !oneOf(typ, actionTypes) {
			f.p.add(EngUnsupported, "Property '%s' does not support the value %s (%s).", c.name("type"), clip(string(t)), strings.Join(actionTypes, ", "))
			continue
		}
		c.out.Add("type", typ)
		c.str("title", true)
		if typ == "link" {
			c.str("url", true)
		} else {
			c.str("payload", true)
		}
		c.strs("urlIcon", "urlImage")
		c.boolean("isDefault")
		c.channels()
		out = append(out, c.out)
	}
	f.out.Add("actions", out)
	return len(items)
}
