package form

// Patch holds the inner objects of the two merge-patch bodies:
// {"user": User} and {"registration": Registration}. A nil map means
// nothing to send. Nested keys give nested objects; nil values are JSON
// null, which deletes the value.
type Patch struct {
	User, Registration map[string]any
}

// Empty reports whether there is nothing to send.
func (p Patch) Empty() bool { return len(p.User) == 0 && len(p.Registration) == 0 }

// Conflict is a field someone else changed since the page was rendered,
// which the user changed too, to a different value. It is left out of the
// Patch; the caller shows both values and lets the user choose.
type Conflict struct {
	Key, Label, Yours, Theirs string
}

// Changes works out what to send. A field counts as changed when the
// submitted value differs from the snapshot (the value the page showed);
// without a usable snapshot, when it differs from the current value. A
// changed field whose current value differs from both the snapshot and the
// submitted value is a Conflict. A field the current record cannot hold
// (wrong shape, no registration) is never written and reported as a
// Conflict. Unchanged fields are never sent, so what the user did not touch
// stays byte-for-byte as stored.
func (d *Definition) Changes(s *Submission, current Record) (Patch, []Conflict) {
	var p Patch
	var conflicts []Conflict
	for _, st := range d.steps {
		for _, f := range st {
			sub, ok := s.Values[f.key]
			if !ok || f.kind == kReadOnly || !d.inScope(f, s.step) {
				continue
			}
			subC, ok := f.canon(sub)
			if !ok {
				continue // cannot happen for values Parse produced
			}
			cur, reason := f.current(current)
			if reason != "" {
				conflicts = append(conflicts, Conflict{Key: f.key, Label: f.label, Yours: f.shown(sub), Theirs: reason})
				continue
			}
			curC, _ := f.canon(cur)
			if f.kind == kPassword {
				p.set(f, sub) // never shown, never in the snapshot: a typed password is a change
				continue
			}
			if snapV, has := s.snap.value(f.key); has {
				snapC, ok := f.canon(snapV)
				if ok && snapC == subC {
					continue // the user did not change it
				}
				if ok && curC != snapC && curC != subC {
					conflicts = append(conflicts, Conflict{Key: f.key, Label: f.label, Yours: f.shown(sub), Theirs: f.shown(cur)})
					continue
				}
			}
			if curC == subC {
				continue
			}
			p.set(f, sub)
		}
	}
	return p, conflicts
}

func (p *Patch) set(f *field, v any) {
	target := &p.User
	if f.kp.root == "registration" {
		target = &p.Registration
	}
	if *target == nil {
		*target = map[string]any{}
	}
	setPath(*target, f.kp.path, v)
}

// shown is a value as text for a conflict message; passwords never.
func (f *field) shown(v any) string {
	if f.kind == kPassword {
		return "••••••"
	}
	if f.kind == kCheck {
		if b, _ := v.(bool); b {
			return "form.yes"
		}
		return "form.no"
	}
	return display(v)
}

// Rebase replaces the submission's snapshot with the current values, for
// re-rendering after a conflict: if the user submits again, what they see
// now counts as "before", so their choice is saved. A field the user did not
// change (its value equals the old snapshot's) is refreshed to the current
// value, so the second submit cannot put back a stale value over a change
// made elsewhere in the meantime. Without a usable old snapshot nothing is
// known to be untouched and the typed values stay as they are.
func (d *Definition) Rebase(s *Submission, current Record) {
	old := s.snap
	s.Snapshot = d.View(current, nil).Snapshot
	s.snap = decodeSnapshot(s.Snapshot)
	if old == nil {
		return
	}
	for _, st := range d.steps {
		for _, f := range st {
			if f.kind == kReadOnly || f.kind == kPassword || !d.inScope(f, s.step) {
				continue
			}
			sub, submitted := s.Values[f.key]
			was, shown := old.value(f.key)
			if !submitted || !shown {
				continue
			}
			subC, ok1 := f.canon(sub)
			wasC, ok2 := f.canon(was)
			if !ok1 || !ok2 || subC != wasC {
				continue // the user's own change: kept
			}
			cur, reason := f.current(current)
			if reason != "" {
				continue // shown read-only from the new snapshot
			}
			raw := f.rawOf(cur)
			s.Raw[f.key] = raw
			if f.confirm {
				s.Raw[confirmName+f.key] = raw
			}
			delete(s.Values, f.key) // not the user's: nothing to save
		}
	}
}

// rawOf is what a browser posts for a stored value left untouched (the
// inverse of fillRaw), for re-rendering a submission with fresh values.
func (f *field) rawOf(cur any) []string {
	switch f.kind {
	case kCheck:
		if c, _ := canonScalar("bool", cur); c == "true" {
			return []string{"true"}
		}
		return nil
	case kSelect, kRadio, kMulti, kChecks:
		sel := f.selectedSet(cur)
		var out []string
		for _, o := range f.withExtra(sel) {
			if sel[o] {
				out = append(out, o)
			}
		}
		return out
	}
	return []string{f.textValue(cur)}
}
