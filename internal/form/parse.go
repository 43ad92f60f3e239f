package form

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Names of the form's own inputs (not FusionAuth keys).
const (
	snapshotName = "form.snapshot" // hidden: original values, see snapshot.go
	presentName  = "form.present"  // hidden marker per checkbox, multi-value and radio field
	confirmName  = "confirm."      // prefix of a confirm field's second input
	formErrorKey = "form"          // Errors key for problems not tied to a field
	maxMulti     = 100             // cap on values of one multi-value field
	maxIgnored   = 50              // cap on names reported in Ignored
	maxLanguages = 20              // cap on preferredLanguages
)

// Submission is a parsed, converted and validated post.
type Submission struct {
	// Values maps key -> JSON value: json.Number for numbers, bool, string
	// (dates "YYYY-MM-DD"), []any for multi-value; nil means "clear it".
	// Keys of fields that were not submitted or not editable are absent.
	Values map[string]any
	// Errors maps key (or "confirm.<key>") -> a message key of the
	// portal's catalogs (internal/i18n), or text to show as it is (such as
	// FusionAuth's own message). The views turn keys into the user's
	// language, so parsing needs no language.
	Errors map[string]string
	// Raw is what was typed, for re-rendering (never includes passwords).
	Raw url.Values
	// Ignored names posted inputs that look like field keys but are not
	// editable fields of this form (for logging; names only, never values).
	Ignored []string
	// Snapshot is the posted form.snapshot, re-emitted by ViewSubmission.
	Snapshot string

	snap     *snapshot
	step     int               // -1: all steps (profile); else the 0-based step
	apiCodes map[string]string // key -> FusionAuth's error type, see RejectedBy
}

// OK reports whether the submission has no errors.
func (s *Submission) OK() bool { return len(s.Errors) == 0 }

// Parse converts and validates a profile post covering every step. A
// user.password field is not part of the profile and is ignored.
func (d *Definition) Parse(post url.Values) *Submission { return d.parse(-1, post) }

// ParseStep converts and validates one step (0-based) of a registration
// form, including user.password (required, confirm) whose value is returned
// in Values.
func (d *Definition) ParseStep(step int, post url.Values) *Submission {
	if step < 0 || step >= len(d.steps) {
		s := d.parse(-2, post)
		s.Errors[formErrorKey] = "form.error.step"
		return s
	}
	return d.parse(step, post)
}

func (d *Definition) inScope(f *field, step int) bool {
	if step == -1 {
		return !f.password
	}
	return f.step == step
}

func (d *Definition) parse(step int, post url.Values) *Submission {
	s := &Submission{
		Values: map[string]any{},
		Errors: map[string]string{},
		Raw:    url.Values{},
		step:   step,
	}
	if sn := post[snapshotName]; len(sn) == 1 {
		s.Snapshot = sn[0]
		s.snap = decodeSnapshot(sn[0])
	}
	present := map[string]bool{}
	for _, k := range post[presentName] {
		present[k] = true
	}
	used := map[string]bool{snapshotName: true, presentName: true}
	for _, st := range d.steps {
		for _, f := range st {
			if !d.inScope(f, step) || f.kind == kReadOnly || s.snap.readOnly(f.key) {
				continue
			}
			used[f.key], used[confirmName+f.key] = true, true
			d.parseField(s, f, post, present[f.key])
		}
	}
	for name := range post {
		if used[name] || len(s.Ignored) >= maxIgnored {
			continue
		}
		for _, p := range []string{"user.", "registration.", confirmName, "consents", "identities."} {
			if strings.HasPrefix(name, p) {
				if len(name) > 100 {
					name = name[:100]
				}
				s.Ignored = append(s.Ignored, strings.ToValidUTF8(name, "?"))
				break
			}
		}
	}
	slices.Sort(s.Ignored)
	return s
}

func (d *Definition) parseField(s *Submission, f *field, post url.Values, marked bool) {
	vals, posted := post[f.key]
	if limit := max(maxMulti, len(f.options)); len(vals) > limit {
		// More values than the field has choices: not from the page. A
		// list field says so rather than saving a silently cut list.
		vals = vals[:limit]
		if f.kind == kChecks || f.kind == kMulti {
			s.Raw[f.key] = vals
			s.Errors[f.key] = "form.error.options"
			return
		}
	}
	if f.kind == kTextarea {
		vals = slices.Clone(vals)
		for i := range vals {
			vals[i] = strings.ReplaceAll(vals[i], "\r\n", "\n") // browsers send CRLF
		}
	}
	if f.kind != kPassword {
		s.Raw[f.key] = vals
	}
	switch f.kind {
	case kCheck:
		d.parseCheck(s, f, vals, posted || marked)
		return
	case kChecks, kMulti:
		d.parseList(s, f, vals, posted || marked)
		return
	}
	if !posted {
		// On the profile an absent input means "not changing it" (a script
		// posting only what it changes, or a page rendered before an admin
		// added the field): nothing is written, so nothing can be broken.
		// A registration step must carry all of its required fields.
		// Radio groups carry a presence marker, since browsers send
		// nothing when no option is picked.
		if f.required && (s.step != -1 || marked) {
			s.Errors[f.key] = requiredMsg(f)
		}
		return
	}
	if len(vals) != 1 {
		s.Errors[f.key] = "form.error.duplicate"
		return
	}
	raw := vals[0]
	if f.confirm && f.kind != kPassword {
		s.Raw[confirmName+f.key] = post[confirmName+f.key]
	}
	if msg := basicCheck(raw); msg != "" {
		s.Errors[f.key] = msg
		return
	}
	if f.kind == kText && strings.ContainsAny(raw, "\r\n") {
		// A one-line input cannot show a line break, so a stored one
		// would make the field read-only for this user from then on.
		s.Errors[f.key] = "form.error.linebreak"
		return
	}
	if strings.TrimSpace(raw) == "" {
		switch {
		case f.kind == kPassword && s.step == -1:
			// Blank password box on the profile: keep the stored value.
		case f.required:
			s.Errors[f.key] = requiredMsg(f)
		default:
			s.Values[f.key] = nil
		}
		return
	}
	v, msg := d.convertSingle(f, raw)
	if msg == "" {
		msg = matchValidator(f, raw)
	}
	if msg != "" {
		s.Errors[f.key] = msg
		return
	}
	if f.confirm {
		c := post[confirmName+f.key]
		if len(c) != 1 || strings.ReplaceAll(c[0], "\r\n", "\n") != raw {
			s.Errors[confirmName+f.key] = "form.error.confirm"
			return
		}
	}
	s.Values[f.key] = v
}

// convertSingle converts one non-blank typed value for its control.
func (d *Definition) convertSingle(f *field, raw string) (any, string) {
	switch f.kind {
	case kSelect, kRadio:
		if f.suggest {
			if f.timezone && !validTimezone(raw) {
				return nil, "form.error.timezone.choose"
			}
		} else if !slices.Contains(f.options, raw) {
			return nil, "form.error.choice"
		}
		return convertOption(f.typ, raw)
	case kNumber:
		n, msg := checkNumber(raw)
		if msg != "" {
			return nil, msg
		}
		if f.typ == "string" {
			return n, ""
		}
		return convertScalar("number", n)
	}
	if f.timezone && !validTimezone(strings.TrimSpace(raw)) {
		return nil, "form.error.timezone"
	}
	return convertScalar(f.typ, raw)
}

func (d *Definition) parseCheck(s *Submission, f *field, vals []string, present bool) {
	if !present {
		if f.required {
			s.Errors[f.key] = requiredMsg(f)
		}
		return
	}
	switch {
	case len(vals) > 1:
		s.Errors[f.key] = "form.error.duplicate"
	case len(vals) == 1 && vals[0] != "true":
		s.Errors[f.key] = "form.error.checkbox"
	case len(vals) == 0 && f.required:
		s.Errors[f.key] = requiredMsg(f)
	default:
		s.Values[f.key] = len(vals) == 1
	}
}

func (d *Definition) parseList(s *Submission, f *field, vals []string, present bool) {
	if !present {
		if f.required {
			s.Errors[f.key] = requiredMsg(f)
		}
		return
	}
	out := make([]any, 0, len(vals))
	seen := map[string]bool{}
	for _, v := range vals {
		if seen[v] || v == "" {
			continue
		}
		seen[v] = true
		if msg := basicCheck(v); msg != "" {
			s.Errors[f.key] = msg
			return
		}
		if f.suggest {
			if f.locales && !validLocale(v) {
				s.Errors[f.key] = "form.error.languages"
				return
			}
		} else if !slices.Contains(f.options, v) {
			s.Errors[f.key] = "form.error.options"
			return
		}
		cv, msg := convertOption(f.typ, v)
		if msg != "" {
			s.Errors[f.key] = msg
			return
		}
		out = append(out, cv)
	}
	if f.locales && len(out) > maxLanguages {
		s.Errors[f.key] = "form.error.languages.max"
		return
	}
	if f.required && len(out) == 0 {
		s.Errors[f.key] = requiredMsg(f)
		return
	}
	s.Values[f.key] = out
}

// basicCheck rejects values no field should hold.
func basicCheck(v string) string {
	if len(v) > maxValueLen && utf8.RuneCountInString(v) > maxValueLen {
		return "form.error.toolong"
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "form.error.characters"
	}
	return ""
}

// matchValidator applies the field's regular expression to the typed value.
func matchValidator(f *field, raw string) string {
	if f.reBroken {
		return "form.error.validator.broken"
	}
	if f.re == nil {
		return ""
	}
	ok, err := f.re.MatchString(raw)
	if err != nil {
		return "form.error.validator.slow"
	}
	if !ok {
		return "form.error.format"
	}
	return ""
}

func requiredMsg(f *field) string {
	switch f.kind {
	case kCheck:
		return "form.error.required.checkbox"
	case kChecks, kMulti:
		return "form.error.required.multi"
	case kSelect, kRadio:
		return "form.error.choice"
	}
	return "form.error.required"
}
