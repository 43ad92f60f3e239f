package form

import (
	"strings"
)

// keyPath is a FusionAuth field key split into the object it lives in
// ("user" or "registration") and the JSON path inside that object.
type keyPath struct {
	root string   // "user" | "registration"
	path []string // e.g. ["data", "preferences", "color"]
}

// parseKey splits a field key such as "registration.data.a.b" or
// "user.data.preferences['color']" into its JSON path. It returns a short
// reason (for a read-only field) when the key cannot be written safely.
func parseKey(key string) (keyPath, string) {
	if key == "" {
		return keyPath{}, "form.readonly.nokey"
	}
	if strings.HasPrefix(key, "consents[") {
		return keyPath{}, "form.readonly.consents"
	}
	segs, ok := splitKey(key)
	if !ok || len(segs) < 2 {
		return keyPath{}, "form.readonly.key"
	}
	kp := keyPath{root: segs[0], path: segs[1:]}
	// For a read-only field kp is still returned when the key names a
	// property whose value may be shown (roles, data); otherwise it is empty.
	switch kp.root {
	case "user":
		if kp.path[0] == "data" {
			if len(kp.path) < 2 {
				return keyPath{}, "form.readonly.key"
			}
			return kp, ""
		}
		if len(kp.path) == 1 && kp.path[0] == "active" {
			return kp, "form.readonly.admin"
		}
		if len(kp.path) == 1 && userBuiltins[kp.path[0]] {
			return kp, ""
		}
	case "registration":
		if kp.path[0] == "data" {
			if len(kp.path) < 2 {
				return keyPath{}, "form.readonly.key"
			}
			return kp, ""
		}
		if len(kp.path) == 1 && kp.path[0] == "roles" {
			return kp, "form.readonly.roles"
		}
		if len(kp.path) == 1 && regBuiltins[kp.path[0]] {
			return kp, ""
		}
	}
	return keyPath{}, "form.readonly.admin"
}

// userBuiltins are the user properties the portal may write.
var userBuiltins = map[string]bool{
	"firstName": true, "middleName": true, "lastName": true, "fullName": true,
	"birthDate": true, "mobilePhone": true, "imageUrl": true, "timezone": true,
	"preferredLanguages": true, "username": true, "email": true,
	"phoneNumber": true, "parentEmail": true, "password": true,
}

// regBuiltins are the registration properties the portal may write.
var regBuiltins = map[string]bool{"username": true, "timezone": true, "preferredLanguages": true}

// splitKey splits on dots and understands ['name'] / ["name"] brackets.
// Numeric array indexes ([0]) are refused: writing into the middle of an
// array through a merge patch would replace the whole array.
func splitKey(key string) ([]string, bool) {
	var segs []string
	var cur strings.Builder
	closed := false // the previous segment ended with a bracket
	for i := 0; i < len(key); {
		c := key[i]
		switch {
		case c == '.':
			if cur.Len() == 0 && !closed {
				return nil, false
			}
			if cur.Len() > 0 {
				segs = append(segs, cur.String())
				cur.Reset()
			}
			closed = false
			i++
			if i == len(key) {
				return nil, false
			}
		case c == '[':
			if cur.Len() > 0 {
				segs = append(segs, cur.String())
				cur.Reset()
			} else if !closed {
				return nil, false
			}
			if i+1 >= len(key) || (key[i+1] != '\'' && key[i+1] != '"') {
				return nil, false
			}
			q := key[i+1]
			end := strings.IndexByte(key[i+2:], q)
			if end < 0 {
				return nil, false
			}
			name := key[i+2 : i+2+end]
			j := i + 2 + end + 1
			if name == "" || j >= len(key) || key[j] != ']' {
				return nil, false
			}
			segs = append(segs, name)
			closed = true
			i = j + 1
		default:
			if closed {
				return nil, false
			}
			cur.WriteByte(c)
			i++
		}
	}
	if cur.Len() > 0 {
		segs = append(segs, cur.String())
	}
	return segs, len(segs) > 0
}

// managedType is the data type FusionAuth forces for its managed keys.
func managedType(key string) string {
	switch key {
	case "user.email", "user.parentEmail":
		return "email"
	case "user.birthDate":
		return "date"
	case "user.phoneNumber":
		return "phoneNumber"
	case "user.password", "user.username", "user.firstName", "user.middleName",
		"user.lastName", "user.fullName", "user.mobilePhone", "user.imageUrl",
		"user.timezone", "user.preferredLanguages", "registration.username",
		"registration.timezone", "registration.preferredLanguages":
		return "string"
	}
	return ""
}

// elementID turns a key into a unique, valid HTML id: letters and digits
// are kept, every other byte becomes _xx (hex), so distinct keys never
// collide. '-' is escaped too: the ids of a field's parts add suffixes
// such as "-err" and "-o0", which a key with dashes must not be able to
// spell.
func elementID(prefix, key string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(prefix) + len(key) + 8)
	b.WriteString(prefix)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
