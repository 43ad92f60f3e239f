package devidp

import (
	"sync"
	"time"
)

// FaultConfig lists the ways the server can misbehave on purpose, so the
// portal's error handling can be tested. The zero value is well-behaved.
type FaultConfig struct {
	WrongNonce           bool // id_token nonce differs from the one sent to /oauth2/authorize
	WrongAudience        bool // tokens carry an aud that is not the client id
	WrongIssuer          bool // tokens carry an iss that is not the issuer
	ExpiredIDToken       bool // id_token exp in the past
	FutureIssuedIDToken  bool // id_token iat/nbf one hour in the future
	BadSignature         bool // token signatures are corrupted
	AlgNone              bool // tokens are unsigned with alg "none"
	UnknownKID           bool // tokens are signed by a key that is never published in the JWKS
	OneTimeRefreshTokens bool // refresh tokens rotate on use whatever the application says

	APILatency time.Duration // sleep before answering /api/* requests
	FailAPI    bool          // /api/* answers 500 with an [Exception] body
	FailToken  bool          // /oauth2/token answers 500
	Down       bool          // every connection is closed without an answer (503 when that is impossible)

	AccessTokenTTL time.Duration // overrides jwtConfiguration.timeToLiveInSeconds when > 0
}

// Faults holds the current FaultConfig; safe for concurrent use.
type Faults struct {
	mu  sync.RWMutex
	cfg FaultConfig
}

// Get returns a copy of the current configuration.
func (f *Faults) Get() FaultConfig {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.cfg
}

// Set replaces the configuration.
func (f *Faults) Set(c FaultConfig) {
	f.mu.Lock()
	f.cfg = c
	f.mu.Unlock()
}

// Update changes the configuration in place, e.g.
// s.Faults().Update(func(c *devidp.FaultConfig) { c.WrongNonce = true }).
func (f *Faults) Update(change func(*FaultConfig)) {
	f.mu.Lock()
	change(&f.cfg)
	f.mu.Unlock()
}

// Reset turns every fault off.
func (f *Faults) Reset() { f.Set(FaultConfig{}) }
