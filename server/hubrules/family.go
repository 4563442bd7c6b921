package hubrules

// Family is a group of operations sharing error codes: the identity endpoint (IDT), the portal's
// hubs and integrations (PRT), the engine's conversations and interactions (ENG), and the Direct
// activity paths (ENG, with the Direct Inbound codes for their bodies).
type Family int

// Families.
const (
	Identity Family = iota
	Portal
	Engine
	Direct
)

type familyCodes struct {
	unauthorized, forbidden, badGUID, unsupported, timedOut, systemError Code
	body                                                                 bodyCodes
}

var families = map[Family]familyCodes{
	Identity: {unauthorized: EngUnauthorized, forbidden: EngForbidden, badGUID: EngBadGUIDParam, unsupported: EngValueUnsupported,
		timedOut: TokenTimedOut, systemError: IdtSystemError},
	Portal: {unauthorized: PrtUnauthorized, forbidden: PrtForbidden, badGUID: PrtBadGUID, unsupported: PrtUnsupported,
		timedOut: PrtTimedOut, systemError: PrtSystemError, body: portalBody},
	Engine: {unauthorized: EngUnauthorized, forbidden: EngForbidden, badGUID: EngBadGUIDParam, unsupported: EngValueUnsupported,
		timedOut: EngTimedOut, systemError: EngSystemError, body: establishBody},
	Direct: {unauthorized: EngUnauthorized, forbidden: EngForbidden, badGUID: EngBadGUID, unsupported: EngUnsupported,
		timedOut: EngTimedOut, systemError: EngSystemError, body: directBody},
}

// Unauthorized is the family's 401 code.
func (f Family) Unauthorized() Code { return families[f].unauthorized }

// Forbidden is the family's 403 code.
func (f Family) Forbidden() Code { return families[f].forbidden }

// BadGUID is the family's code for a path segment that is not a GUID.
func (f Family) BadGUID() Code { return families[f].badGUID }

// Unsupported is the family's code for a property or value it does not support.
func (f Family) Unsupported() Code { return families[f].unsupported }

// TimedOut is the family's 408 code.
func (f Family) TimedOut() Code { return families[f].timedOut }

// SystemError is the family's 500 code.
func (f Family) SystemError() Code { return families[f].systemError }

// BodyRequired is the family's code for a body that is missing or cannot be read.
func (f Family) BodyRequired() Code {
	if c := families[f].body.missing; c != "" {
		return c
	}
	return families[f].unsupported
}

// CheckBody is step 4 of the validation order for the family's bodies: present, application/json,
// one JSON object, at most MaxBody bytes (and, on the Direct paths, not `{}`).
func (f Family) CheckBody(b Body) error {
	_, err := b.object(families[f].body)
	return err
}
