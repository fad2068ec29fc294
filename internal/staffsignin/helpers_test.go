package staffsignin_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"roundtable/internal/accounts"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
)

func accountsCreate(d *db.DB, email string) (int64, error) {
	return accounts.CreatePerson(context.Background(), d, accounts.NewPerson{DisplayName: "Bob Officer", Email: email,
		Password: "correct horse battery staple"}, 0)
}

var _ = auth.Admin

// TestMain quietens the example provider, which logs every request to the default logger.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
