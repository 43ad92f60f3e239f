// Package fusionauth is a small typed client for the FusionAuth REST API
// endpoints the portal uses. FusionAuth's own Go client is not available here,
// and the portal needs only a handful of calls, so they are written out by hand.
//
// The wire types below follow FusionAuth's JSON names exactly; the dev server
// (internal/devidp) serialises the same types so both sides agree.
package fusionauth

// Form is a FusionAuth form definition (GET /api/form/{id}).
type Form struct {
	ID                string         `json:"id,omitempty"`
	Name              string         `json:"name,omitempty"`
	Type              string         `json:"type,omitempty"` // registration | adminRegistration | adminUser | selfServiceUser
	Steps             []FormStep     `json:"steps"`
	Data              map[string]any `json:"data,omitempty"`
	InsertInstant     int64          `json:"insertInstant,omitempty"`
	LastUpdateInstant int64          `json:"lastUpdateInstant,omitempty"`
}

// FormStep is one step of a form: an ordered list of form-field ids.
type FormStep struct {
	Fields []string `json:"fields"`
	Type   string   `json:"type,omitempty"` // collectData (default) | verifyEmail | verifyPhoneNumber
}

// FormField is a FusionAuth form-field definition (GET /api/form/field/{id}).
type FormField struct {
	ID                string         `json:"id,omitempty"`
	Name              string         `json:"name,omitempty"`
	Key               string         `json:"key,omitempty"`
	Control           string         `json:"control,omitempty"` // checkbox | number | password | radio | select | textarea | text
	Type              string         `json:"type,omitempty"`    // bool | consent | date | email | number | phoneNumber | string
	Required          bool           `json:"required"`
	Confirm           bool           `json:"confirm"`
	Options           []string       `json:"options,omitempty"`
	Validator         FieldValidator `json:"validator"`
	ConsentID         string         `json:"consentId,omitempty"`
	Description       string         `json:"description,omitempty"`
	Data              map[string]any `json:"data,omitempty"`
	InsertInstant     int64          `json:"insertInstant,omitempty"`
	LastUpdateInstant int64          `json:"lastUpdateInstant,omitempty"`
}

// FieldValidator is a form field's optional regular-expression validator
// (Java regex syntax).
type FieldValidator struct {
	Enabled    bool   `json:"enabled"`
	Expression string `json:"expression,omitempty"`
}

// Application is the part of a FusionAuth application the portal reads.
type Application struct {
	ID                        string                       `json:"id,omitempty"`
	Name                      string                       `json:"name,omitempty"`
	TenantID                  string                       `json:"tenantId,omitempty"`
	Active                    bool                         `json:"active"`
	OAuthConfiguration        OAuthConfiguration           `json:"oauthConfiguration"`
	RegistrationConfiguration RegistrationConfiguration    `json:"registrationConfiguration"`
	FormConfiguration         ApplicationFormConfiguration `json:"formConfiguration"`
	JWTConfiguration          map[string]any               `json:"jwtConfiguration,omitempty"`
	Data                      map[string]any               `json:"data,omitempty"`
}

// OAuthConfiguration is application.oauthConfiguration.
type OAuthConfiguration struct {
	ClientID                      string   `json:"clientId,omitempty"`
	ClientSecret                  string   `json:"clientSecret,omitempty"`
	AuthorizedRedirectURLs        []string `json:"authorizedRedirectURLs,omitempty"`
	AuthorizedOriginURLs          []string `json:"authorizedOriginURLs,omitempty"`
	LogoutURL                     string   `json:"logoutURL,omitempty"`
	ClientAuthenticationPolicy    string   `json:"clientAuthenticationPolicy,omitempty"`
	ProofKeyForCodeExchangePolicy string   `json:"proofKeyForCodeExchangePolicy,omitempty"`
	EnabledGrants                 []string `json:"enabledGrants,omitempty"`
	GenerateRefreshTokens         bool     `json:"generateRefreshTokens"`
	RequireRegistration           bool     `json:"requireRegistration"`
	ScopeHandlingPolicy           string   `json:"scopeHandlingPolicy,omitempty"` // Strict | Compatibility
	LogoutBehavior                string   `json:"logoutBehavior,omitempty"`
}

// RegistrationConfiguration is application.registrationConfiguration.
type RegistrationConfiguration struct {
	Enabled bool   `json:"enabled"`
	Type    string `json:"type,omitempty"` // basic | advanced
	FormID  string `json:"formId,omitempty"`
}

// ApplicationFormConfiguration is application.formConfiguration.
type ApplicationFormConfiguration struct {
	AdminRegistrationFormID string `json:"adminRegistrationFormId,omitempty"`
	SelfServiceFormID       string `json:"selfServiceFormId,omitempty"`
}

// Errors is FusionAuth's error body. fieldErrors is an object keyed by field
// path (the OpenAPI file says array; the real server sends an object).
type Errors struct {
	FieldErrors   map[string][]ErrorItem `json:"fieldErrors,omitempty"`
	GeneralErrors []ErrorItem            `json:"generalErrors,omitempty"`
}

// ErrorItem is one error: code such as "[blank]user.email", and a message.
type ErrorItem struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

// OAuthError is the JSON error body of the /oauth2/* endpoints.
type OAuthError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
	ErrorReason      string `json:"error_reason,omitempty"`
}
