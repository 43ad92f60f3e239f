package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// ClientCheck is the token endpoint's answer to CheckClient.
type ClientCheck struct {
	TokenURL string // the token endpoint from discovery
	// Accepted is true when the client authentication got past the token
	// endpoint: it then complained about the (deliberately invalid) code.
	Accepted bool
	// Status, Code, Reason and Description are the token endpoint's HTTP
	// status and OAuth error (error, FusionAuth's error_reason,
	// error_description).
	Status      int
	Code        string
	Reason      string
	Description string
}

// CheckClient tells whether the token endpoint accepts the client id and
// secret, without a user: it redeems an authorization code that cannot exist,
// with the redirect URI and client authentication (basic or post, chosen as
// for Exchange) that a real sign-in uses. invalid_client means the
// credentials were refused; invalid_grant, or FusionAuth's invalid_request
// with error_reason auth_code_not_found, means they were accepted and only
// the code was wrong. The error is for a failure to get an OAuth answer at
// all (network, non-JSON body).
func (p *Provider) CheckClient(ctx context.Context) (ClientCheck, error) {
	res := ClientCheck{TokenURL: p.oauth.Endpoint.TokenURL}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.hc)
	_, err := p.oauth.Exchange(ctx, "portal-check-"+randomString(), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	if err == nil { // a provider that takes any code still took the client
		res.Accepted = true
		return res, nil
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return res, fmt.Errorf("auth: token endpoint %s: %w", res.TokenURL, err)
	}
	var body struct {
		Reason string `json:"error_reason"`
	}
	_ = json.Unmarshal(re.Body, &body)
	if re.Response != nil {
		res.Status = re.Response.StatusCode
	}
	res.Code, res.Reason, res.Description = re.ErrorCode, body.Reason, re.ErrorDescription
	if res.Code == "" {
		return res, fmt.Errorf("auth: token endpoint %s answered %d without an OAuth error", res.TokenURL, res.Status)
	}
	res.Accepted = res.Code == "invalid_grant" || (res.Code == "invalid_request" && body.Reason == "auth_code_not_found")
	return res, nil
}
