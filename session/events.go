package session

// enqueueLocked queues e for OnEvent. Nothing is queued after the end or Close
// ("ended" itself is queued before the end is marked).
func (s *Session) enqueueLocked(e Event) {
	if s.cfg.OnEvent == nil || s.ended || s.closed {
		return
	}
	s.events = append(s.events, e)
}

// flush delivers the queued events in order, one at a time, outside s.mu (so
// that OnEvent may call the Session). When another goroutine is delivering, it
// delivers these too and flush returns at once.
func (s *Session) flush() {
	s.mu.Lock()
	if s.draining || len(s.events) == 0 {
		s.mu.Unlock()
		return
	}
	s.draining = true
	for len(s.events) > 0 {
		batch := s.events
		s.events = nil
		s.mu.Unlock()
		for _, e := range batch {
			s.deliver(e)
		}
		s.mu.Lock()
	}
	s.draining = false
	s.mu.Unlock()
}

// deliver calls OnEvent; a panicking listener must not wedge the session.
func (s *Session) deliver(e Event) {
	defer func() { _ = recover() }()
	s.cfg.OnEvent(e)
}
