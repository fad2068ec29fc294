package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
)

// Module is a training module on co-production for council staff, mapped to the indicators it
// helps with.
type Module struct {
	ID       int64
	Title    string
	Summary  string
	Audience string
	Keys     []string // indicator keys, such as "1.2" or "relationships"
	Sessions []Session
}

// Session is one run of a module.
type Session struct {
	ID          int64
	ModuleID    int64
	ModuleTitle string
	StartsAt    time.Time
	Place       string
	Online      bool
	Capacity    int
	Trainers    string
	CoTrainers  string // trainers with lived experience
	Booked      int
}

// Full reports whether every place is booked.
func (s Session) Full() bool { return s.Booked >= s.Capacity }

// Left is the number of places left.
func (s Session) Left() int { return max(0, s.Capacity-s.Booked) }

// Where says where the session happens.
func (s Session) Where() string {
	if s.Online {
		return "Online"
	}
	return s.Place
}

// NewModule is a module to add.
type NewModule struct {
	Title, Summary, Audience string
	Keys                     []string
}

// ParseKeys reads indicator keys separated by commas or spaces.
func ParseKeys(s string) []string {
	var out []string
	for _, k := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == ';' }) {
		k = strings.ToLower(strings.TrimSpace(k))
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// CreateModule adds a training module.
func CreateModule(ctx context.Context, d *db.DB, n NewModule, by *auth.Identity, now time.Time) (int64, error) {
	var v errs.Validation
	n.Title, n.Summary, n.Audience = strings.TrimSpace(n.Title), strings.TrimSpace(n.Summary), strings.TrimSpace(n.Audience)
	v.Check(n.Title != "", "module_title", "Enter the module's title")
	tooLong(&v, "module_title", "The title", n.Title)
	v.Check(n.Summary != "", "summary", "Enter what the module covers")
	tooLong(&v, "summary", "The summary", n.Summary)
	tooLong(&v, "audience", "Who it is for", n.Audience)
	v.Check(len(n.Keys) > 0, "keys", "Enter the indicators the module helps with, like 1.1, 2.1 or relationships")
	for _, k := range n.Keys {
		if len(k) > 40 {
			v.Add("keys", "Each indicator must be a short key, like 1.1")
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_modules (title, summary, audience, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			n.Title, n.Summary, n.Audience, utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert module: %w", err)
		}
		for _, k := range n.Keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO training_module_indicators (module_id, indicator_key) VALUES ($1, $2)`, id, k); err != nil {
				return err
			}
		}
		return record(ctx, tx, by, "training.module_created", fmt.Sprintf("training-module:%d", id), "", n, now)
	})
	return id, err
}

// NewSession is a run of a module to add.
type NewSession struct {
	StartsAt             time.Time
	Place                string
	Online               bool
	Capacity             int
	Trainers, CoTrainers string
}

// CreateSession adds a session of a module. Every session has a trainer with lived experience
// alongside: training on co-production is itself co-produced.
func CreateSession(ctx context.Context, d *db.DB, moduleID int64, n NewSession, by *auth.Identity, now time.Time) (int64, error) {
	if _, err := getModule(ctx, d, moduleID); err != nil {
		return 0, err
	}
	var v errs.Validation
	n.Place, n.Trainers, n.CoTrainers = strings.TrimSpace(n.Place), strings.TrimSpace(n.Trainers), strings.TrimSpace(n.CoTrainers)
	if n.StartsAt.IsZero() {
		v.Add("starts", "Enter the date and time the session starts")
	} else if !n.StartsAt.After(now) {
		v.Add("starts", "The session must start in the future")
	}
	v.Check(n.Online || n.Place != "", "place", "Enter where the session is, or say it is online")
	tooLong(&v, "place", "The place", n.Place)
	v.Check(n.Capacity > 0 && n.Capacity <= 500, "capacity", "Enter the number of places, from 1 to 500")
	v.Check(n.Trainers != "", "trainers", "Enter the trainers' names")
	tooLong(&v, "trainers", "The trainers", n.Trainers)
	v.Check(n.CoTrainers != "", "co_trainers", "Enter the lived-experience co-trainers' names")
	tooLong(&v, "co_trainers", "The co-trainers", n.CoTrainers)
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO training_sessions (module_id, starts_at, place, online, capacity, trainers, co_trainers, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, moduleID, utc(n.StartsAt), n.Place, n.Online, n.Capacity, n.Trainers, n.CoTrainers, utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		return record(ctx, tx, by, "training.session_created", fmt.Sprintf("training-session:%d", id), "", n, now)
	})
	return id, err
}

func getModule(ctx context.Context, d *db.DB, id int64) (Module, error) {
	ms, err := Modules(ctx, d, time.Time{})
	if err != nil {
		return Module{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return Module{}, errs.New(errs.NotFound, "There is no such training module.")
}

const sessionColumns = `s.id, s.module_id, m.title, s.starts_at, s.place, s.online, s.capacity, s.trainers, s.co_trainers,
	(SELECT count(*) FROM training_bookings b WHERE b.session_id = s.id)
	FROM training_sessions s JOIN training_modules m ON m.id = s.module_id`

func scanSession(s db.Scanner) (Session, error) {
	var x Session
	err := s.Scan(&x.ID, &x.ModuleID, &x.ModuleTitle, &x.StartsAt, &x.Place, &x.Online, &x.Capacity, &x.Trainers, &x.CoTrainers, &x.Booked)
	x.StartsAt = x.StartsAt.UTC()
	return x, err
}

// Modules lists the modules by title, each with its indicator keys and its sessions starting
// after from (all sessions when from is zero).
func Modules(ctx context.Context, d *db.DB, from time.Time) ([]Module, error) {
	ms, err := db.Collect(ctx, d.Read, func(s db.Scanner) (m Module, err error) {
		err = s.Scan(&m.ID, &m.Title, &m.Summary, &m.Audience)
		return m, err
	}, `SELECT id, title, summary, audience FROM training_modules ORDER BY title, id`)
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	type key struct {
		module int64
		key    string
	}
	keys, err := db.Collect(ctx, d.Read, func(s db.Scanner) (k key, err error) { err = s.Scan(&k.module, &k.key); return k, err },
		`SELECT module_id, indicator_key FROM training_module_indicators ORDER BY indicator_key`)
	if err != nil {
		return nil, err
	}
	ss, err := db.Collect(ctx, d.Read, scanSession, `SELECT `+sessionColumns+` WHERE s.starts_at > $1 ORDER BY s.starts_at, s.id`, utc(from))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	at := map[int64]int{}
	for i, m := range ms {
		at[m.ID] = i
	}
	for _, k := range keys {
		ms[at[k.module]].Keys = append(ms[at[k.module]].Keys, k.key)
	}
	for _, s := range ss {
		ms[at[s.ModuleID]].Sessions = append(ms[at[s.ModuleID]].Sessions, s)
	}
	return ms, nil
}

// GetSession reads a session.
func GetSession(ctx context.Context, d *db.DB, id int64) (Session, error) {
	s, err := scanSession(d.Read.QueryRowContext(ctx, `SELECT `+sessionColumns+` WHERE s.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, errs.New(errs.NotFound, "There is no such training session.")
	}
	return s, err
}

// Booking is a place booked on a session.
type Booking struct {
	SessionID   int64
	PersonID    int64
	Name        string
	CouncilGSS  string
	CouncilName string
	Attended    sql.NullBool
}

// Book books the officer a place on a session for their council. A full or past session
// cannot be booked; booking twice is harmless.
func Book(ctx context.Context, d *db.DB, s Session, by *auth.Identity, councilID int64, councilGSS string, now time.Time) error {
	if !s.StartsAt.After(now) {
		return errs.New(errs.Conflict, "This session has already started, so it cannot be booked.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var mine, booked int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN person_id = $2 THEN 1 ELSE 0 END), 0) FROM training_bookings WHERE session_id = $1`,
			s.ID, by.PersonID).Scan(&booked, &mine); err != nil {
			return err
		}
		if mine > 0 {
			return nil
		}
		if booked >= s.Capacity {
			return errs.New(errs.Conflict, "This session is full. Choose another date.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO training_bookings (session_id, person_id, council_id, council_gss, booked_at) VALUES ($1, $2, $3, $4, $5)`,
			s.ID, by.PersonID, councilID, councilGSS, utc(now)); err != nil {
			return fmt.Errorf("insert booking: %w", err)
		}
		return record(ctx, tx, by, "training.booked", fmt.Sprintf("training-session:%d", s.ID), "council:"+councilGSS, nil, now)
	})
}

// Bookings lists a session's bookings by name.
func Bookings(ctx context.Context, d *db.DB, sessionID int64) ([]Booking, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (b Booking, err error) {
		err = s.Scan(&b.SessionID, &b.PersonID, &b.Name, &b.CouncilGSS, &b.CouncilName, &b.Attended)
		return b, err
	}, `SELECT b.session_id, b.person_id, p.display_name, b.council_gss, o.name, b.attended
		FROM training_bookings b JOIN people p ON p.id = b.person_id JOIN organisations o ON o.id = b.council_id
		WHERE b.session_id = $1 ORDER BY p.display_name, b.person_id`, sessionID)
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return out, nil
}

// RecordAttendance records who came to a session that has started: attended lists the people
// who came; everyone else booked is recorded as absent.
func RecordAttendance(ctx context.Context, d *db.DB, s Session, by *auth.Identity, attended []int64, now time.Time) error {
	if s.StartsAt.After(now) {
		return errs.New(errs.Conflict, "Attendance can be recorded once the session has started.")
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		bs, err := db.Collect(ctx, tx, func(sc db.Scanner) (id int64, err error) { err = sc.Scan(&id); return id, err },
			`SELECT person_id FROM training_bookings WHERE session_id = $1`, s.ID)
		if err != nil {
			return err
		}
		for _, p := range bs {
			if _, err := tx.ExecContext(ctx, `UPDATE training_bookings SET attended = $1 WHERE session_id = $2 AND person_id = $3`,
				slices.Contains(attended, p), s.ID, p); err != nil {
				return err
			}
		}
		return record(ctx, tx, by, "training.attendance_recorded", fmt.Sprintf("training-session:%d", s.ID), "", map[string]any{"attended": attended}, now)
	})
}

// trainingTaken counts the places a council's staff booked and attended.
func trainingTaken(ctx context.Context, d *db.DB, councilGSS string) (booked, attended int, err error) {
	err = d.Read.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN attended THEN 1 ELSE 0 END), 0) FROM training_bookings WHERE council_gss = $1`,
		councilGSS).Scan(&booked, &attended)
	return booked, attended, err
}

// CouncilBookings lists the sessions a council's staff booked, soonest first.
func CouncilBookings(ctx context.Context, d *db.DB, councilGSS string) ([]Session, error) {
	return db.Collect(ctx, d.Read, scanSession, `SELECT `+sessionColumns+`
		WHERE s.id IN (SELECT session_id FROM training_bookings WHERE council_gss = $1) ORDER BY s.starts_at`, councilGSS)
}

// Recommended returns the modules mapped to the keys of weak ratings, with the keys each
// answers, in the order of the modules list.
func Recommended(ms []Module, weak []AgreedRating) []Recommendation {
	var out []Recommendation
	for _, m := range ms {
		var why []string
		for _, w := range weak {
			if slices.Contains(m.Keys, w.Key) {
				why = append(why, w.Label())
			}
		}
		if len(why) > 0 {
			out = append(out, Recommendation{Module: m, For: why})
		}
	}
	return out
}

// Recommendation is a module recommended to a council, with the weak ratings it answers.
type Recommendation struct {
	Module Module
	For    []string
}
