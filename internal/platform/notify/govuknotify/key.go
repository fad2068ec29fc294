package govuknotify

import (
	"errors"
	"fmt"
	"regexp"
)

// uuidPattern is a canonical, hyphenated UUID as Notify prints them.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s is a canonical UUID, the form of Notify's template and
// notification ids.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// parseKey splits an API key, "{key_name}-{service_id}-{secret_key}", into its parts. The
// name may itself hold hyphens, so the two UUIDs are taken from the end: the last 73
// characters are the service id, a hyphen, and the secret. The errors never repeat the key,
// since it would put the secret in a log.
func parseKey(key string) (name, serviceID, secret string, err error) {
	const tail = 36 + 1 + 36
	if len(key) < tail+2 {
		return "", "", "", errors.New("the GOV.UK Notify API key is too short: it should be the key's name, the service id and the secret, joined by hyphens")
	}
	rest := key[len(key)-tail:]
	serviceID, secret = rest[:36], rest[37:]
	if rest[36] != '-' || key[len(key)-tail-1] != '-' {
		return "", "", "", errors.New("the GOV.UK Notify API key is not in the form name-serviceid-secret")
	}
	if !IsUUID(serviceID) {
		return "", "", "", errors.New("the GOV.UK Notify API key's service id is not a UUID")
	}
	if !IsUUID(secret) {
		return "", "", "", errors.New("the GOV.UK Notify API key's secret is not a UUID")
	}
	name = key[:len(key)-tail-1]
	if name == "" {
		return "", "", "", fmt.Errorf("the GOV.UK Notify API key has no name before the service id %s", serviceID)
	}
	return name, serviceID, secret, nil
}
