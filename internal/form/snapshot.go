package form

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// maxSnapshot caps the encoded snapshot (bytes). A bigger one is not sent;
// the save then compares with FusionAuth's current values only.
const maxSnapshot = 48 << 10

// snapshot is what the page showed: the original value of each editable
// field (V) and, for fields read-only for this record, what was displayed
// and why (R), so an error page can show them again. It is not trusted for
// anything that matters: tampering can only change which fields count as
// "changed" or how read-only fields are shown, never what may be written.
type snapshot struct {
	V map[string]any       `json:"v,omitempty"`
	R map[string][2]string `json:"r,omitempty"`
}

func (s *snapshot) value(key string) (any, bool) {
	if s == nil {
		return nil, false
	}
	v, ok := s.V[key]
	return v, ok
}

func (s *snapshot) readOnly(key string) bool {
	if s == nil {
		return false
	}
	_, ok := s.R[key]
	return ok
}

// encode returns base64url(JSON), dropping the read-only part and then
// everything when over the size cap.
func (s *snapshot) encode() string {
	for range 2 {
		b, err := json.Marshal(s)
		if err == nil && base64.RawURLEncoding.EncodedLen(len(b)) <= maxSnapshot {
			return base64.RawURLEncoding.EncodeToString(b)
		}
		s = &snapshot{V: s.V}
	}
	return ""
}

// decodeSnapshot returns nil for anything garbled, oversized or tampered
// into the wrong shape: the save then proceeds without a snapshot.
func decodeSnapshot(enc string) *snapshot {
	if enc == "" || len(enc) > maxSnapshot {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var s snapshot
	if dec.Decode(&s) != nil || dec.More() {
		return nil
	}
	return &s
}
