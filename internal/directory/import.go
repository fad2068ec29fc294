package directory

import (
	"context"
	"errors"
	"io"

	"roundtable/internal/platform/db"
)

// ImportAuthorities reads the UK local authority register in mySociety's CSV format.
func ImportAuthorities(ctx context.Context, d *db.DB, r io.Reader) (ImportResult, error) {
	return ImportResult{}, errors.New("not built yet")
}
