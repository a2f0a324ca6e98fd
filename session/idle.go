package session

import (
	"context"
	"math"
	"sync"
	"time"
)

// DefaultIdleWarning is how long before an idle sign-out the warning comes
// when idleWarningSeconds is not set, unless the timeout is shorter than
// twice that: then it is half the timeout.
const DefaultIdleWarning = 60 * time.Second

// idleRevokeTimeout bounds the revocation at an idle sign-out: the session
// ends when it is done or given up.
const idleRevokeTimeout = 5 * time.Second

// IdleConfig configures an Idle.
type IdleConfig struct {
	Timeout time.Duration // idleTimeoutSeconds; must be > 0
	Warning time.Duration // idleWarningSeconds; 0 → DefaultIdleWarning (see IdleWarning)
	Clock   Clock         // nil → RealClock
	// Revoke revokes the refresh token before the session ends (RFC 7009);
	// nil, or a session without a refresh token, skips it. Its error goes to
	// OnError; the session ends all the same.
	Revoke func(ctx context.Context, refreshToken string) error
	// OnWarn is called once per idle stretch, Warning before the end, with the
	// whole seconds left; OnActive when activity comes after it. OnError gets
	// a failed revocation. All are called outside the Idle's lock, and may be nil.
	OnWarn   func(secondsLeft int)
	OnActive func()
	OnError  func(error)
	// OnExpire is called once at the timeout, after the revocation and
	// before the session ends, with the tokens the session held: what the
	// sign-out that sticks and idleSignOut "provider" need (the time of the
	// end, the ID token for the provider's end-session request). nil: none.
	OnExpire func(held Tokens)
	// Tabs shares the activity with the sibling tabs (shareAcrossTabs): the
	// activity here is posted on it (at most every PostEvery), and the
	// activity of this session's user in a sibling tab counts here. nil: this
	// tab alone.
	Tabs *Tabs
}

// InputEvery bounds how often page input (Input) reaches the policy:
// pointermove fires at the frame rate, and a touch a quarter of a second
// later says nothing new.
const InputEvery = 250 * time.Millisecond

// PostEvery is how often at most a tab tells its siblings of activity for
// timeout: a tenth of it, at least InputEvery and at most 5 s (a sibling's
// deadline then lags by at most that much).
func PostEvery(timeout time.Duration) time.Duration {
	return min(max(timeout/10, InputEvery), 5*time.Second)
}

// Idle is the idle sign-out policy (automatic logoff) of one Session: the
// deadline is Timeout after the last activity (Touch); Warning before it
// OnWarn is called, and activity after that calls OnActive and starts a new
// stretch; at the deadline the refresh token is revoked and the session ends
// with ReasonIdle (published to the sibling tabs, as every End is).
//
// Timers are not trusted: a sleeping machine or a frozen background tab fires
// them late or never. Every Touch and Check first compares the clocks with the
// deadline (the wall clock and the monotonic one: the earlier wins), so that input arriving after a sleep past the deadline ends the
// session instead of extending it; Check is for wake-up signals
// (visibilitychange, focus, pageshow). Activity is a person: trusted input
// (PageInput), the Assistant's events no request of the page caused, and
// session.touch() (Activity). API calls are not activity, nor is a tab
// becoming visible.
type Idle struct {
	cfg IdleConfig
	s   *Session

	mu     sync.Mutex
	last   instant // the last activity, on both clocks
	warned bool    // OnWarn was called for this stretch
	done   bool    // ended (or stopped): nothing more happens
	stop   func() bool
	gen    uint64

	postEvery time.Duration
	input     time.Duration // the monotonic reading of the last Input or Activity
	post      time.Duration // the monotonic reading of the last post to the siblings
	inputs    bool          // input is set
	posted    bool          // post is set
}

// NewIdle starts the idle policy of s, counting from now as activity.
func NewIdle(s *Session, cfg IdleConfig) *Idle {
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	cfg.Warning = IdleWarning(cfg.Timeout, cfg.Warning)
	i := &Idle{cfg: cfg, s: s, postEvery: PostEvery(cfg.Timeout)}
	i.mu.Lock()
	i.last = i.read()
	i.armLocked(i.last.add(cfg.Timeout - cfg.Warning))
	i.mu.Unlock()
	if cfg.Tabs != nil {
		cfg.Tabs.setActivity(i.sibling)
	}
	return i
}

// Input is trusted page input (pointer, key, touch, wheel; see PageInput):
// activity, but at most every InputEvery by the monotonic clock. It never
// blocks (it runs in the browser's event dispatch): an end it causes (input
// past the deadline, after a sleep) runs on its own goroutine.
func (i *Idle) Input() { i.activity(false) }

// PageInput is an input event of the page (pointer, key, touch, wheel) with
// its event.isTrusted: only input the browser itself generated (a person at
// the keyboard, mouse or screen) is activity, through Input. An event a
// script dispatched (dispatchEvent, element.click()) is not: an EHR page's
// script, or anything else on the page, must not keep an unattended
// workstation signed in. It does nothing then, not even post to the siblings.
func (i *Idle) PageInput(trusted bool) {
	if trusted {
		i.Input()
	}
}

// Activity is activity the page's input does not show (the Assistant's
// events a clinician caused, see assistant.Options.OnActivity;
// session.touch()): never throttled. It does not block either.
func (i *Idle) Activity() { i.activity(true) }

// Visible is a change of the page's visibility, either way a wake-up check
// (on its own goroutine): becoming visible is not activity by itself (a tab a
// script or another window brings forward says nobody is there), and the
// input of whoever looks at it next counts as usual.
func (i *Idle) Visible(bool) { i.Wake() }

// Wake is a wake-up signal (focus, pageshow, online): Check, on its own
// goroutine.
func (i *Idle) Wake() { go i.Check() }

// activity touches the policy (page input at most every InputEvery; forced
// always) and, with Tabs, tells the siblings, at most every postEvery and
// only while the session lasts.
func (i *Idle) activity(force bool) {
	mono := i.cfg.Clock.Mono()
	i.mu.Lock()
	if i.done || !force && i.inputs && mono-i.input < InputEvery {
		i.mu.Unlock()
		return
	}
	i.input, i.inputs = mono, true
	post := i.cfg.Tabs != nil && (!i.posted || mono-i.post >= i.postEvery)
	if post {
		i.post, i.posted = mono, true
	}
	i.mu.Unlock()
	if !i.touch(true) {
		return
	}
	if ended, _ := i.s.Ended(); post && !ended {
		i.cfg.Tabs.PublishActivity()
	}
}

// sibling is the activity of this session's user in a sibling tab: it counts
// here, and is not posted on again. It does not block the channel.
func (i *Idle) sibling() { i.touch(true) }

// IdleWarning is the warning lead for timeout: warning when it is shorter than
// the timeout; otherwise (0 included) DefaultIdleWarning, capped at half the
// timeout.
func IdleWarning(timeout, warning time.Duration) time.Duration {
	if warning > 0 && warning < timeout {
		return warning
	}
	return min(DefaultIdleWarning, timeout/2)
}

// read reads both clocks: deadlines are judged by both, the earlier wins (a
// wall clock set back does not extend the session, a monotonic clock that
// stood still in a sleep does not either).
func (i *Idle) read() instant { return instant{i.cfg.Clock.Now().Round(0), i.cfg.Clock.Mono()} }

// Deadline is when the session ends unless there is activity first; zero
// once it ended or was stopped.
func (i *Idle) Deadline() time.Time {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.done {
		return time.Time{}
	}
	return i.last.wall.Add(i.cfg.Timeout)
}

// Touch records activity now: page input here or in a sibling tab, an
// Assistant event, session.touch(). Past the deadline (the timer did not fire:
// the machine slept) it ends the session instead. After a warning it calls
// OnActive. It is cheap when nothing changes: the timer is not re-armed for
// every input, it re-computes when it fires.
func (i *Idle) Touch() { i.touch(false) }

// touch is Touch; with async the end past the deadline runs on its own
// goroutine. It reports whether the activity counted (the policy runs and
// the deadline was not past).
func (i *Idle) touch(async bool) bool {
	i.mu.Lock()
	if i.done {
		i.mu.Unlock()
		return false
	}
	now := i.read()
	if now.reached(i.last.add(i.cfg.Timeout)) {
		i.mu.Unlock()
		if async {
			go i.expire()
		} else {
			i.expire()
		}
		return false
	}
	i.last = now
	warned := i.warned
	if warned {
		i.warned = false
		i.armLocked(i.last.add(i.cfg.Timeout - i.cfg.Warning))
	}
	i.mu.Unlock()
	if warned && i.cfg.OnActive != nil {
		i.cfg.OnActive()
	}
	return true
}

// Check re-evaluates the deadline by the wall clock (after a wake-up signal,
// and when the timer fires): past it, the session ends; inside the warning
// period, OnWarn is called if it was not yet; otherwise the timer is re-armed.
func (i *Idle) Check() { i.check(0) }

func (i *Idle) check(gen uint64) {
	i.mu.Lock()
	if i.done || gen != 0 && gen != i.gen {
		i.mu.Unlock()
		return
	}
	if ended, _ := i.s.Ended(); ended {
		i.stopLocked()
		i.mu.Unlock()
		return
	}
	now := i.read()
	deadline := i.last.add(i.cfg.Timeout)
	warnAt := i.last.add(i.cfg.Timeout - i.cfg.Warning)
	switch {
	case now.reached(deadline):
		i.mu.Unlock()
		i.expire()
		return
	case !now.reached(warnAt):
		i.armLocked(warnAt)
		i.mu.Unlock()
		return
	}
	i.armLocked(deadline)
	warn := !i.warned
	i.warned = true
	i.mu.Unlock()
	if warn && i.cfg.OnWarn != nil {
		i.cfg.OnWarn(int(math.Ceil(now.until(deadline).Seconds())))
	}
}

// expire revokes the refresh token and ends the session with ReasonIdle,
// once.
func (i *Idle) expire() {
	i.mu.Lock()
	if i.done {
		i.mu.Unlock()
		return
	}
	i.stopLocked()
	i.mu.Unlock()
	if ended, _ := i.s.Ended(); ended {
		return
	}
	held := i.s.Current()
	if rt := held.Response.RefreshToken; rt != "" && i.cfg.Revoke != nil {
		ctx, cancel := context.WithTimeout(context.Background(), idleRevokeTimeout)
		err := i.cfg.Revoke(ctx, rt)
		cancel()
		if err != nil && i.cfg.OnError != nil {
			i.cfg.OnError(err)
		}
	}
	if i.cfg.OnExpire != nil {
		if ended, _ := i.s.Ended(); !ended {
			i.cfg.OnExpire(held)
		}
	}
	i.s.End(ReasonIdle)
}

// Stop ends the policy without ending the session (the session ended or was
// closed otherwise).
func (i *Idle) Stop() {
	i.mu.Lock()
	i.stopLocked()
	i.mu.Unlock()
}

func (i *Idle) armLocked(at instant) {
	if i.stop != nil {
		i.stop()
	}
	i.gen++
	gen := i.gen
	i.stop = i.cfg.Clock.AfterFunc(max(i.read().until(at), 0), func() { i.check(gen) })
}

func (i *Idle) stopLocked() {
	if !i.done && i.cfg.Tabs != nil {
		defer i.cfg.Tabs.setActivity(nil)
	}
	i.done = true
	if i.stop != nil {
		i.stop()
		i.stop = nil
	}
	i.gen++
}
