package accounts_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/directory"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/personaldata/personaldatatest"
)

func accountsSchema() []db.Migration {
	return append(append(append([]db.Migration{}, audit.Migrations...), directory.Migrations...), accounts.Migrations...)
}

func TestAccountsPersonalData(t *testing.T) {
	dbtest.Each(t, accountsSchema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		src := accounts.PersonalData{}
		personaldatatest.ClaimsMatchSchema(t, d, src)
		org := accountstest.Organisation(t, d, "Group")
		id, login := accountstest.Person(t, d, "Rowan Vale", auth.Member, org)
		other, _ := accountstest.Person(t, d, "Other Person", auth.Member, org)
		now := time.Now()
		accountstest.Session(t, d, id, now)
		accountstest.Session(t, d, other, now)

		tables, err := src.Export(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		acc := personaldatatest.Rows(t, tables, "account")
		if len(acc) != 1 || acc[0]["display_name"] != "Rowan Vale" || acc[0]["login"] != login || acc[0]["has_password"] == "" {
			t.Errorf("account: %v", acc)
		}
		if rows := personaldatatest.Rows(t, tables, "sessions"); len(rows) != 1 {
			t.Errorf("sessions: %v", rows)
		}
		for _, tb := range tables {
			for _, c := range tb.Columns {
				if c == "password_hash" || c == "token_hash" || c == "code_hash" {
					t.Errorf("%s exports the secret %s", tb.Name, c)
				}
			}
		}

		err = d.Tx(ctx, func(tx *sql.Tx) error {
			return src.Erase(ctx, tx, personaldata.Erasure{PersonID: id, At: now})
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err := accounts.GetPerson(ctx, d, accounts.Everyone, id)
		if err != nil || p.DisplayName != personaldata.FormerMember || p.Login == login || p.Email != "" || p.HasPassword || !p.Disabled || len(p.Grants) != 0 {
			t.Errorf("after erasure: %+v %v", p, err)
		}
		if _, err := accounts.Authenticate(ctx, d, login, accountstest.Password, "127.0.0.1", now); err == nil {
			t.Error("the erased person can still sign in")
		}
		// The other person is untouched.
		if q, _ := accounts.GetPerson(ctx, d, accounts.Everyone, other); q.DisplayName != "Other Person" || len(q.Grants) != 1 {
			t.Errorf("another person changed: %+v", q)
		}
	})
}
