package form

// HasKey reports whether key is a field of this form (for mapping FusionAuth
// field errors onto the page).
func (d *Definition) HasKey(key string) bool {
	_, ok := d.byKey[key]
	return ok
}

// IsPassword reports whether an input name is a password input (the field
// or its confirm twin), so kept input can drop it.
func (d *Definition) IsPassword(name string) bool {
	f, ok := d.byKey[name]
	if !ok && len(name) > len("confirm.") && name[:len("confirm.")] == "confirm." {
		f, ok = d.byKey[name[len("confirm."):]]
	}
	return ok && (f.password || f.kind == kPassword)
}

// field is the field with this key, or nil.
func (d *Definition) field(key string) *field { return d.byKey[key] }
