package devidp

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"

	"portal/internal/fusionauth"
)

// mergeOriginal applies FusionAuth's original PATCH (Content-Type
// application/json) to dst: objects are merged recursively, null removes a
// key and arrays are appended to the existing array (the documented
// "known limitation").
func mergeOriginal(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, pv := range patch {
		switch pt := pv.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			cur, _ := dst[k].(map[string]any)
			dst[k] = mergeOriginal(cur, pt)
		case []any:
			if cur, ok := dst[k].([]any); ok {
				dst[k] = append(cur, deepCopy(pt).([]any)...)
			} else {
				dst[k] = deepCopy(pt)
			}
		default:
			dst[k] = pv
		}
	}
	return dst
}

// mergePatch applies an RFC 7396 JSON merge patch: objects merged
// recursively, null removes, everything else (arrays included) replaced.
func mergePatch(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, pv := range patch {
		switch pt := pv.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			cur, _ := dst[k].(map[string]any)
			dst[k] = mergePatch(cur, pt)
		default:
			dst[k] = deepCopy(pv)
		}
	}
	return dst
}

// overwrite replaces top-level keys (null removes); how FusionAuth behaves
// for PATCH /api/user/registration/{userId} without the application id.
func overwrite(dst, patch map[string]any) map[string]any {
	if dst == nil {
		dst = map[string]any{}
	}
	for k, pv := range patch {
		if pv == nil {
			delete(dst, k)
			continue
		}
		dst[k] = deepCopy(pv)
	}
	return dst
}

// kind names a JSON shape the typed FusionAuth model expects.
type kind int

const (
	kString kind = iota
	kBool
	kObject
	kStrings
	kNumber
)

var userShape = map[string]kind{
	"active": kBool, "birthDate": kString, "data": kObject, "email": kString, "expiry": kNumber,
	"firstName": kString, "fullName": kString, "id": kString, "imageUrl": kString, "lastName": kString,
	"middleName": kString, "mobilePhone": kString, "parentEmail": kString, "password": kString,
	"passwordChangeRequired": kBool, "phoneNumber": kString, "preferredLanguages": kStrings,
	"tenantId": kString, "timezone": kString, "username": kString, "verified": kBool,
}

var registrationShape = map[string]kind{
	"applicationId": kString, "data": kObject, "id": kString, "preferredLanguages": kStrings,
	"roles": kStrings, "timezone": kString, "username": kString, "verified": kBool,
}

// checkShape reports the first property (sorted, for stable answers) whose
// JSON type cannot be converted to FusionAuth's model, as [invalidJSON].
func checkShape(prefix string, obj map[string]any, shape map[string]kind) *fusionauth.Errors {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, known := shape[k]
		v := obj[k]
		if !known || v == nil {
			continue
		}
		ok := true
		switch want {
		case kString:
			_, ok = v.(string)
		case kBool:
			_, ok = v.(bool)
		case kObject:
			_, ok = v.(map[string]any)
		case kNumber:
			_, ok = v.(json.Number)
		case kStrings:
			arr, isArr := v.([]any)
			ok = isArr
			for _, x := range arr {
				if _, s := x.(string); !s {
					ok = false
				}
			}
		}
		if !ok {
			path := prefix + "." + k
			e := invalidJSON(path, fmt.Sprintf("cannot convert the value of [%s]", path))
			return &e
		}
	}
	return nil
}

var emailRE = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

// validEmail is a deliberately simple check (FusionAuth's exact rule is not
// documented): something@something.tld without spaces.
func validEmail(s string) bool { return len(s) <= 320 && emailRE.MatchString(s) }
