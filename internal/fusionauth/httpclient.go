package fusionauth

import (
	"net"
	"net/http"
	"time"
)

// NewHTTPClient returns an *http.Client suited to calling FusionAuth from a
// busy server: keep-alive connections sized for many concurrent requests to
// one host (the Go default keeps only 2 idle per host, which makes a loaded
// portal open and close connections constantly), short dial and header
// timeouts so a dead FusionAuth fails fast, and a 10s cap per request.
// Redirects are not followed: the API never redirects, and following one
// would send the API key elsewhere.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   3 * time.Second,
		ResponseHeaderTimeout: 8 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
