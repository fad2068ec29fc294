package govuknotify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"time"
)

// jwtHeader is the same for every token, so it is encoded once.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))

// Token is the bearer token Notify wants on every request: a JWT signed with HS256 using the
// secret half of the API key, naming the service in iss and the time in iat. Notify refuses a
// token whose iat is more than 30 seconds from its own clock, so a token is made per request
// and never kept.
func Token(serviceID, secret string, now time.Time) string {
	claims, _ := json.Marshal(struct {
		Iss string `json:"iss"`
		Iat int64  `json:"iat"`
	}{serviceID, now.Unix()})
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
