package assistant

// BlankURL is where the Assistant's frame is navigated when its session ends
// or the host destroys it, before the frame is removed: no Corti page keeps a
// clinician's tokens after sign-out (the protocol has no sign-out action, and
// the Assistant may refresh by itself with the tokens it holds).
const BlankURL = "about:blank"

// Unload is what the host does with the frame at an end: every end unloads,
// whatever its reason, and only "ended" is emitted for a session's end (a
// destroy is the host's own act).
type Unload struct {
	Blank  bool   // navigate the frame to BlankURL
	Remove bool   // remove it from the document
	Ended  bool   // emit "ended" ({reason}) on the assistant
	Reason string // the reason given with "ended"
}

// EndOf is the unload for the end of the session with reason (first: the
// controller was live, SessionEnded's result). A second end does nothing: the
// frame is already gone.
func EndOf(reason string, first bool) Unload {
	if !first {
		return Unload{}
	}
	return Unload{Blank: true, Remove: true, Ended: true, Reason: reason}
}

// DestroyOf is the unload for the host's destroy() (first: not destroyed
// before): the frame is blanked and removed, no "ended" is emitted.
func DestroyOf(first bool) Unload {
	if !first {
		return Unload{}
	}
	return Unload{Blank: true, Remove: true}
}
