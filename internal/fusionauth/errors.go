package fusionauth

import (
	"errors"
	"fmt"
)

// Sentinel errors callers test with errors.Is. They classify failures the
// portal reacts to differently: a missing record, a misconfigured API key, or
// FusionAuth being unreachable or broken (worth a "try again later" page).
var (
	// ErrNotFound means FusionAuth answered 404.
	ErrNotFound = errors.New("fusionauth: not found")
	// ErrUnauthorized means FusionAuth answered 401: the API key is wrong or
	// not permitted to call this endpoint.
	ErrUnauthorized = errors.New("fusionauth: API key rejected")
	// ErrUnavailable means a network error, a timeout or a 5xx answer.
	ErrUnavailable = errors.New("fusionauth: unavailable")
	// ErrBadResponse means a 2xx answer whose body was not the JSON we expect
	// (an HTML error page from a proxy, a truncated or oversized body, a
	// different shape).
	ErrBadResponse = errors.New("fusionauth: unexpected response")
	// ErrInvalidID means an id argument was empty or could change the URL's
	// path (a "/" or a dot segment); nothing was sent.
	ErrInvalidID = errors.New("fusionauth: invalid id")
)

// APIError is a non-2xx answer from FusionAuth. Errors holds FusionAuth's
// error JSON when there was one (400s carry field errors keyed by field path,
// such as "user.email"); Body is the start of the raw body, for logs only.
type APIError struct {
	Method string
	Path   string // the request path, ids included
	Status int
	Errors Errors
	Body   string // truncated raw body, never shown to users
}

// Error describes the failure for logs: method, path, status and the error
// codes (codes hold field paths, never field values).
func (e *APIError) Error() string {
	s := fmt.Sprintf("fusionauth: %s %s: status %d", e.Method, e.Path, e.Status)
	n := 0
	for field, items := range e.Errors.FieldErrors {
		for _, it := range items {
			if n < 5 {
				s += fmt.Sprintf("; %s: %s", field, it.Code)
			}
			n++
		}
	}
	for _, it := range e.Errors.GeneralErrors {
		if n < 5 {
			s += "; " + it.Code
		}
		n++
	}
	if n > 5 {
		s += fmt.Sprintf("; and %d more", n-5)
	}
	return s
}

// Is maps statuses onto the sentinel errors so callers need not know codes.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == 404
	case ErrUnauthorized:
		return e.Status == 401
	case ErrUnavailable:
		return e.Status >= 500
	}
	return false
}

// FieldErrors returns the field errors of a 400 answer, or nil.
func (e *APIError) FieldErrors() map[string][]ErrorItem {
	return e.Errors.FieldErrors
}
