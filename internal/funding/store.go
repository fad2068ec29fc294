package funding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/directory"
	"roundtable/internal/panels"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

func strconvFloat(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullTime(t sql.NullTime) time.Time {
	if t.Valid {
		return t.Time
	}
	return time.Time{}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const (
	maxName = 200
	maxText = 5000
)

func checkText(v *errs.Validation, field, value, missing string, limit int) {
	v.Check(value != "", field, missing)
	v.Check(utf8.RuneCountInString(value) <= limit, field, fmt.Sprintf("Must be %d characters or fewer", limit))
}

// ---- programmes ----

// NewProgramme is what the funder enters for a programme.
type NewProgramme struct {
	Name          string
	Purpose       string
	HomesTarget   int64
	OpensAt       time.Time
	ClosesAt      time.Time
	RequiredTypes []directory.StakeholderType
	Questions     []string
	// Eligible lists GSS codes of the councils that may bid; empty for every council.
	Eligible []string
}

// ValidateProgramme checks a programme; field names are those of the form.
func ValidateProgramme(p NewProgramme, v *errs.Validation) {
	checkText(v, "name", p.Name, "Enter the programme's name", maxName)
	checkText(v, "purpose", p.Purpose, "Enter what the programme is for", maxText)
	v.Check(p.HomesTarget > 0, "homes", "Enter the target number of homes, a whole number more than 0")
	v.Check(!p.OpensAt.IsZero(), "opens", "Enter the opening date")
	v.Check(!p.ClosesAt.IsZero(), "closes", "Enter the closing date")
	if !p.OpensAt.IsZero() && !p.ClosesAt.IsZero() {
		v.Check(p.ClosesAt.After(p.OpensAt), "closes", "The closing date must be after the opening date")
	}
	v.Check(len(p.RequiredTypes) > 0, "types", "Select at least one type of stakeholder who must take part")
	for _, t := range p.RequiredTypes {
		v.Check(t.Valid(), "types", "Select types of stakeholder from the list")
	}
	v.Check(len(p.Questions) > 0, "questions", "Enter at least one evidence question")
	v.Check(len(p.Questions) <= 20, "questions", "Enter 20 evidence questions or fewer")
	for _, q := range p.Questions {
		v.Check(utf8.RuneCountInString(q) <= 500, "questions", "Each question must be 500 characters or fewer")
	}
}

func joinTypes(ts []directory.StakeholderType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ",")
}

func splitTypes(s string) []directory.StakeholderType {
	var out []directory.StakeholderType
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			out = append(out, directory.StakeholderType(p))
		}
	}
	return out
}

// CreateProgramme adds a draft programme with the ladder of co-production as its rubric.
func CreateProgramme(ctx context.Context, d *db.DB, by *auth.Identity, p NewProgramme, now time.Time) (int64, error) {
	var v errs.Validation
	ValidateProgramme(p, &v)
	if err := v.Err(); err != nil {
		return 0, err
	}
	if err := checkEligible(ctx, d, p.Eligible); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		actorID, actorName := audit.By(by)
		if err := tx.QueryRowContext(ctx, `INSERT INTO funding_programmes (name, purpose, homes_target, opens_at, closes_at,
			required_types, questions, eligible, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			p.Name, p.Purpose, p.HomesTarget, utc(p.OpensAt), utc(p.ClosesAt), joinTypes(p.RequiredTypes),
			strings.Join(p.Questions, "\n"), strings.Join(p.Eligible, ","), utc(now), nullID(actorID)).Scan(&id); err != nil {
			return fmt.Errorf("create programme: %w", err)
		}
		for _, l := range Ladder {
			if _, err := tx.ExecContext(ctx, "INSERT INTO funding_rubric_levels (programme_id, score, name, description) VALUES ($1, $2, $3, $4)",
				id, l.Score, l.Name, l.Description); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "programme.created",
			Subject: fmt.Sprintf("programme:%d", id), After: p, At: now})
	})
	return id, err
}

// NewPot is a pot the funder adds to a draft programme.
type NewPot struct {
	Name          string
	Kind          string
	AmountPence   int64
	BidLimitPence int64
}

// AddPot adds a pot to a draft programme.
func AddPot(ctx context.Context, d *db.DB, by *auth.Identity, programmeID int64, p NewPot, now time.Time) error {
	var v errs.Validation
	checkText(&v, "pot_name", p.Name, "Enter the pot's name", maxName)
	v.Check(p.Kind == "capital" || p.Kind == "revenue", "kind", "Select whether the pot is capital or revenue")
	v.Check(p.AmountPence > 0, "amount", "Enter the amount in the pot, in whole pounds, more than £0")
	v.Check(p.BidLimitPence > 0, "limit", "Enter the most one bid can ask for, in whole pounds, more than £0")
	if p.AmountPence > 0 && p.BidLimitPence > p.AmountPence {
		v.Add("limit", "The limit for one bid cannot be more than the whole pot")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var published sql.NullTime
		if err := tx.QueryRowContext(ctx, "SELECT published_at FROM funding_programmes WHERE id = $1", programmeID).Scan(&published); errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "No such programme.")
		} else if err != nil {
			return err
		}
		if published.Valid {
			return errs.New(errs.Conflict, "The programme is published, so its pots cannot change.")
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO funding_pots (programme_id, name, kind, amount_pence, bid_limit_pence)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, programmeID, p.Name, p.Kind, p.AmountPence, p.BidLimitPence).Scan(&id); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "pot.added",
			Subject: fmt.Sprintf("programme:%d", programmeID), After: p, At: now})
	})
}

// Publish makes a draft programme visible to councils. It needs at least one pot.
func Publish(ctx context.Context, d *db.DB, by *auth.Identity, programmeID int64, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		var published sql.NullTime
		if err := tx.QueryRowContext(ctx, "SELECT published_at FROM funding_programmes WHERE id = $1", programmeID).Scan(&published); errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "No such programme.")
		} else if err != nil {
			return err
		}
		if published.Valid {
			return nil // publishing twice is harmless
		}
		var pots int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_pots WHERE programme_id = $1", programmeID).Scan(&pots); err != nil {
			return err
		}
		if pots == 0 {
			return errs.New(errs.Conflict, "Add at least one pot of money before you publish the programme.")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE funding_programmes SET published_at = $1 WHERE id = $2", utc(now), programmeID); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "programme.published",
			Subject: fmt.Sprintf("programme:%d", programmeID), Before: "draft", After: "published", At: now})
	})
}

const programmeColumns = "id, name, purpose, homes_target, opens_at, closes_at, required_types, questions, published_at, created_at, eligible"

func scanProgramme(s interface{ Scan(...any) error }) (Programme, error) {
	var p Programme
	var types, questions, eligible string
	var published sql.NullTime
	if err := s.Scan(&p.ID, &p.Name, &p.Purpose, &p.HomesTarget, &p.OpensAt, &p.ClosesAt, &types, &questions, &published, &p.CreatedAt, &eligible); err != nil {
		return p, err
	}
	for _, c := range strings.Split(eligible, ",") {
		if c != "" {
			p.Eligible = append(p.Eligible, c)
		}
	}
	p.RequiredTypes = splitTypes(types)
	for _, q := range strings.Split(questions, "\n") {
		if q = strings.TrimSpace(q); q != "" {
			p.Questions = append(p.Questions, q)
		}
	}
	p.PublishedAt = nullTime(published)
	return p, nil
}

// GetProgramme returns a programme with its pots and rubric. Drafts are found only when
// drafts is true (for the funder), so a council never learns of one.
func GetProgramme(ctx context.Context, d *db.DB, id int64, drafts bool) (Programme, error) {
	p, err := scanProgramme(d.Read.QueryRowContext(ctx, "SELECT "+programmeColumns+" FROM funding_programmes WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !drafts && !p.Published()) {
		return Programme{}, errs.New(errs.NotFound, "No such programme.")
	}
	if err != nil {
		return Programme{}, fmt.Errorf("get programme: %w", err)
	}
	rows, err := d.Read.QueryContext(ctx, "SELECT id, programme_id, name, kind, amount_pence, bid_limit_pence FROM funding_pots WHERE programme_id = $1 ORDER BY id", id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var pot Pot
		if err := rows.Scan(&pot.ID, &pot.ProgrammeID, &pot.Name, &pot.Kind, &pot.AmountPence, &pot.BidLimitPence); err != nil {
			return p, err
		}
		p.Pots = append(p.Pots, pot)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	lrows, err := d.Read.QueryContext(ctx, "SELECT score, name, description FROM funding_rubric_levels WHERE programme_id = $1 ORDER BY score", id)
	if err != nil {
		return p, err
	}
	defer lrows.Close()
	for lrows.Next() {
		var l Level
		if err := lrows.Scan(&l.Score, &l.Name, &l.Description); err != nil {
			return p, err
		}
		p.Rubric = append(p.Rubric, l)
	}
	return p, lrows.Err()
}

// checkEligible refuses a code that is not a current English council's.
func checkEligible(ctx context.Context, d *db.DB, codes []string) error {
	for _, code := range codes {
		c, err := directory.CouncilByCode(ctx, d, code)
		if errs.Is(err, errs.NotFound) || (err == nil && !c.Current) {
			return fieldErr("eligible", fmt.Sprintf("%s is not the GSS code of a current council in England", code))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ListProgrammes lists programmes, newest closing first; drafts only when drafts is true.
func ListProgrammes(ctx context.Context, d *db.DB, drafts bool) ([]Programme, error) {
	return ProgrammesPage(ctx, d, drafts, 0, 0)
}

// ProgrammesPage lists limit programmes after the first offset, newest closing first (every
// one when limit is 0); drafts only when drafts is true. The funding page shows a page at a
// time: at national scale there are a hundred programmes.
func ProgrammesPage(ctx context.Context, d *db.DB, drafts bool, limit, offset int) ([]Programme, error) {
	q := "SELECT " + programmeColumns + " FROM funding_programmes"
	if !drafts {
		q += " WHERE published_at IS NOT NULL"
	}
	q += " ORDER BY closes_at DESC, id DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(0, offset))
	}
	out, err := db.Collect(ctx, d.Read, scanProgramme, q)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- bids ----

const bidColumns = `b.id, b.programme_id, b.council_id, o.name, b.title, b.summary, b.contact, b.homes, b.support, b.evidence,
	b.declared_by, b.declared, b.about_done, b.amounts_done, b.support_done, b.evidence_done, b.declarations_done,
	b.created_at, b.updated_at, b.submitted_at`

func scanBid(s interface{ Scan(...any) error }) (Bid, error) {
	var b Bid
	var declared, about, amounts, support, evidence, declarations int
	var submitted sql.NullTime
	err := s.Scan(&b.ID, &b.ProgrammeID, &b.CouncilID, &b.CouncilName, &b.Title, &b.Summary, &b.Contact, &b.Homes, &b.Support, &b.Evidence,
		&b.DeclaredBy, &declared, &about, &amounts, &support, &evidence, &declarations, &b.CreatedAt, &b.UpdatedAt, &submitted)
	b.Declared = declared == 1
	b.Done = map[string]bool{"about": about == 1, "amounts": amounts == 1, "support": support == 1, "evidence": evidence == 1, "declarations": declarations == 1}
	b.SubmittedAt = nullTime(submitted)
	return b, err
}

// StartBid starts the council's bid to an open programme, or returns the one it started
// already.
func StartBid(ctx context.Context, d *db.DB, by *auth.Identity, programmeID, councilID int64, now time.Time) (int64, error) {
	p, err := GetProgramme(ctx, d, programmeID, false)
	if err != nil {
		return 0, err
	}
	var id int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id FROM funding_bids WHERE programme_id = $1 AND council_id = $2", programmeID, councilID).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var gss string
		if err := tx.QueryRowContext(ctx, "SELECT gss_code FROM councils WHERE organisation_id = $1", councilID).Scan(&gss); err != nil {
			return errs.New(errs.NotFound, "No such council.")
		}
		if !p.EligibleCouncil(gss) {
			return errs.New(errs.Conflict, "Your council is not one of the councils that can bid to this programme.")
		}
		if !p.Open(now) {
			if p.Closed(now) {
				return errs.New(errs.Conflict, "This programme closed at %s. You can no longer start a bid.", web.FormatDeadline(p.ClosesAt))
			}
			return errs.New(errs.Conflict, "This programme opens at %s. You can start a bid then.", web.FormatDeadline(p.OpensAt))
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO funding_bids (programme_id, council_id, created_at, updated_at)
			VALUES ($1, $2, $3, $3) RETURNING id`, programmeID, councilID, utc(now)).Scan(&id); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.started",
			Subject: fmt.Sprintf("bid:%d", id), Scope: fmt.Sprintf("council:%d", councilID), At: now})
	})
	return id, err
}

// GetBid returns a bid with its amounts and linked activities. The caller decides who may
// see it (see Handlers.visibleBid).
func GetBid(ctx context.Context, d *db.DB, id int64) (Bid, error) {
	return getBid(ctx, d.Read, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func getBid(ctx context.Context, q querier, id int64) (Bid, error) {
	b, err := scanBid(q.QueryRowContext(ctx, "SELECT "+bidColumns+" FROM funding_bids b JOIN organisations o ON o.id = b.council_id WHERE b.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Bid{}, errs.New(errs.NotFound, "No such bid.")
	}
	if err != nil {
		return Bid{}, fmt.Errorf("get bid: %w", err)
	}
	b.Amounts = map[int64]int64{}
	rows, err := q.QueryContext(ctx, "SELECT pot_id, amount_pence FROM funding_bid_amounts WHERE bid_id = $1", id)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var pot, amount int64
		if err := rows.Scan(&pot, &amount); err != nil {
			return b, err
		}
		b.Amounts[pot] = amount
	}
	if err := rows.Err(); err != nil {
		return b, err
	}
	arows, err := q.QueryContext(ctx, "SELECT activity_id FROM funding_bid_activities WHERE bid_id = $1 ORDER BY activity_id", id)
	if err != nil {
		return b, err
	}
	defer arows.Close()
	for arows.Next() {
		var a int64
		if err := arows.Scan(&a); err != nil {
			return b, err
		}
		b.ActivityIDs = append(b.ActivityIDs, a)
	}
	return b, arows.Err()
}

// BidsOfCouncil lists a council's bids.
func BidsOfCouncil(ctx context.Context, d *db.DB, councilID int64) ([]Bid, error) {
	return listBids(ctx, d, "WHERE b.council_id = $1", councilID)
}

// BidsOfProgramme lists a programme's bids (for the funder).
func BidsOfProgramme(ctx context.Context, d *db.DB, programmeID int64) ([]Bid, error) {
	return listBids(ctx, d, "WHERE b.programme_id = $1", programmeID)
}

// BidsWithParticipant lists the bids whose linked activities the person took part in.
func BidsWithParticipant(ctx context.Context, d *db.DB, personID int64) ([]Bid, error) {
	return listBids(ctx, d, `WHERE b.id IN (SELECT ba.bid_id FROM funding_bid_activities ba
		JOIN funding_participants fp ON fp.activity_id = ba.activity_id WHERE fp.person_id = $1)`, personID)
}

func listBids(ctx context.Context, d *db.DB, where string, args ...any) ([]Bid, error) {
	return listBidsThen(ctx, d, where+" ORDER BY b.id", args...)
}

// listBidsThen reads the bids the rest of the query picks (conditions, order, limit), then the
// amounts of those bids alone.
func listBidsThen(ctx context.Context, d *db.DB, rest string, args ...any) ([]Bid, error) {
	rows, err := d.Read.QueryContext(ctx, "SELECT "+bidColumns+" FROM funding_bids b JOIN organisations o ON o.id = b.council_id "+rest, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Bid
	for rows.Next() {
		b, err := scanBid(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, addAmounts(ctx, d, out)
}

// addAmounts reads what each of the bids asks for from each pot, for those bids alone.
func addAmounts(ctx context.Context, d *db.DB, bids []Bid) error {
	if len(bids) == 0 {
		return nil
	}
	index := map[int64]int{}
	ids := make([]string, len(bids))
	for i := range bids {
		bids[i].Amounts = map[int64]int64{}
		index[bids[i].ID] = i
		ids[i] = strconv.FormatInt(bids[i].ID, 10)
	}
	arows, err := d.Read.QueryContext(ctx, "SELECT bid_id, pot_id, amount_pence FROM funding_bid_amounts WHERE bid_id IN ("+strings.Join(ids, ", ")+")")
	if err != nil {
		return err
	}
	defer arows.Close()
	for arows.Next() {
		var bid, pot, amount int64
		if err := arows.Scan(&bid, &pot, &amount); err != nil {
			return err
		}
		if i, ok := index[bid]; ok {
			bids[i].Amounts[pot] = amount
		}
	}
	return arows.Err()
}

// BidsOfProgrammePage reads one page of a programme's bids by their headings and amounts, in
// the order they were started, through the programme's unique index, and how many there are.
func BidsOfProgrammePage(ctx context.Context, d *db.DB, programmeID int64, limit, offset int) ([]Bid, int, error) {
	var n int
	if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM funding_bids WHERE programme_id = $1", programmeID).Scan(&n); err != nil {
		return nil, 0, err
	}
	// The page's ids first, from the programme's index alone; then only their rows.
	bids, err := bidHeadings(ctx, d, `WHERE b.id IN (SELECT id FROM funding_bids WHERE programme_id = $1 ORDER BY id LIMIT $2 OFFSET $3)
		ORDER BY b.id`, programmeID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	return bids, n, addAmounts(ctx, d, bids)
}

// bidHeadings reads what a list of bids names: each one's council, title and whether it was
// submitted, without the long answers or the amounts.
func bidHeadings(ctx context.Context, d *db.DB, rest string, args ...any) ([]Bid, error) {
	return db.Collect(ctx, d.Read, func(s db.Scanner) (Bid, error) {
		var b Bid
		var submitted sql.NullTime
		err := s.Scan(&b.ID, &b.ProgrammeID, &b.CouncilID, &b.CouncilName, &b.Title, &submitted)
		b.SubmittedAt = nullTime(submitted)
		return b, err
	}, "SELECT b.id, b.programme_id, b.council_id, o.name, b.title, b.submitted_at FROM funding_bids b JOIN organisations o ON o.id = b.council_id "+rest, args...)
}

// BidHeadingsOfCouncil lists the council's bids by their headings (bidHeadings).
func BidHeadingsOfCouncil(ctx context.Context, d *db.DB, councilID int64) ([]Bid, error) {
	return bidHeadings(ctx, d, "WHERE b.council_id = $1 ORDER BY b.id", councilID)
}

// tookPartSQL finds the submitted bids whose activities person $1 took part in, newest first:
// person to activity to bid through indexes that hold the next key (funding/13), then each
// bid's row for when it was submitted.
const tookPartSQL = `SELECT b.id FROM funding_bids b WHERE b.submitted_at IS NOT NULL AND b.id IN (SELECT ba.bid_id FROM funding_bid_activities ba
	JOIN funding_participants fp ON fp.activity_id = ba.activity_id WHERE fp.person_id = $1) ORDER BY b.submitted_at DESC, b.id DESC`

// TookPartIn lists by their headings, newest first, a page of the submitted bids whose
// activities the person took part in, and counts them all. A member of many panels may have
// helped shape hundreds, so pages show the newest few and link to the rest.
func TookPartIn(ctx context.Context, d *db.DB, personID int64, limit, offset int) ([]Bid, int, error) {
	// The person's bids are found once, newest first, by id alone; then only the page's
	// headings are read.
	ids, err := db.Collect(ctx, d.Read, func(s db.Scanner) (any, error) {
		var id int64
		return id, s.Scan(&id)
	}, tookPartSQL, personID)
	if err != nil {
		return nil, 0, fmt.Errorf("bids taken part in: %w", err)
	}
	page := ids[min(max(0, offset), len(ids)):min(max(0, offset)+max(1, limit), len(ids))]
	if len(page) == 0 {
		return nil, len(ids), nil
	}
	marks := make([]string, len(page))
	for i := range page {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	bids, err := bidHeadings(ctx, d, "WHERE b.id IN ("+strings.Join(marks, ", ")+") ORDER BY b.submitted_at DESC, b.id DESC", page...)
	return bids, len(ids), err
}

// BidOfCouncil is the council's bid to the programme, if it has started one.
func BidOfCouncil(ctx context.Context, d *db.DB, programmeID, councilID int64) (*Bid, error) {
	bids, err := listBidsThen(ctx, d, "WHERE b.programme_id = $1 AND b.council_id = $2", programmeID, councilID)
	if err != nil || len(bids) == 0 {
		return nil, err
	}
	return &bids[0], nil
}

// TookPart reports whether the person took part in an activity the bid uses as evidence.
func TookPart(ctx context.Context, d *db.DB, bidID, personID int64) (bool, error) {
	var n int
	err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM funding_bid_activities ba
		JOIN funding_participants fp ON fp.activity_id = ba.activity_id WHERE ba.bid_id = $1 AND fp.person_id = $2`, bidID, personID).Scan(&n)
	return n > 0, err
}

// SectionInput is one section of a bid as the council saves it. Completed says the council
// has finished the section: then every answer is required.
type SectionInput struct {
	Section    string
	Completed  bool
	Title      string
	Summary    string
	Contact    string
	Homes      int64
	Amounts    map[int64]int64 // pot id to pence
	Support    string
	Evidence   string
	Activities []int64
	DeclaredBy string
	Declared   bool
}

// editable loads the bid inside tx and refuses changes to a submitted bid or after the
// deadline.
func editable(ctx context.Context, tx *sql.Tx, bidID, councilID int64, now time.Time) (Bid, Programme, error) {
	b, err := getBid(ctx, tx, bidID)
	if err != nil {
		return b, Programme{}, err
	}
	if b.CouncilID != councilID {
		return b, Programme{}, errs.New(errs.NotFound, "No such bid.")
	}
	var p Programme
	p, err = scanProgramme(tx.QueryRowContext(ctx, "SELECT "+programmeColumns+" FROM funding_programmes WHERE id = $1", b.ProgrammeID))
	if err != nil {
		return b, p, err
	}
	if b.Submitted() {
		return b, p, errs.New(errs.Conflict, "This bid was submitted at %s, so it can no longer be changed.", web.FormatDeadline(b.SubmittedAt))
	}
	if p.Closed(now) {
		return b, p, errs.New(errs.Conflict, "The deadline for this programme was %s. The bid can no longer be changed.", web.FormatDeadline(p.ClosesAt))
	}
	return b, p, nil
}

// SaveSection checks and saves one section of a council's bid. Amounts are checked against
// each pot's limit; nothing is saved when anything is wrong.
func SaveSection(ctx context.Context, d *db.DB, by *auth.Identity, bidID, councilID int64, in SectionInput, pots []Pot, now time.Time) error {
	var v errs.Validation
	if err := ValidateSection(in, pots, &v); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	return saveSection(ctx, d, by, bidID, councilID, in, pots, now)
}

// ValidateSection checks a section's answers, adding to v; the error is for an unknown
// section.
func ValidateSection(in SectionInput, pots []Pot, v *errs.Validation) error {
	req := func(field, value, missing string, limit int) {
		if in.Completed {
			v.Check(value != "", field, missing)
		}
		v.Check(utf8.RuneCountInString(value) <= limit, field, fmt.Sprintf("Must be %d characters or fewer", limit))
	}
	switch in.Section {
	case "about":
		req("title", in.Title, "Enter a name for the bid", maxName)
		req("summary", in.Summary, "Enter a summary of what the bid will do", maxText)
		req("contact", in.Contact, "Enter the name of the person to contact about the bid", maxName)
	case "amounts":
		for _, pot := range pots {
			a, ok := in.Amounts[pot.ID]
			f := fmt.Sprintf("pot-%d", pot.ID)
			if ok && a > pot.BidLimitPence {
				v.Add(f, fmt.Sprintf("%s must be %s or less", pot.Name, Money(pot.BidLimitPence)))
			}
			if in.Completed && !ok {
				v.Add(f, fmt.Sprintf("Enter the amount from %s, in whole pounds; enter 0 if none", pot.Name))
			}
		}
		if in.Completed {
			v.Check(in.Homes > 0, "homes", "Enter the number of homes, a whole number more than 0")
		}
	case "support":
		req("support", in.Support, "Describe the support offered to the people who will live in the homes", maxText)
	case "evidence":
		req("evidence", in.Evidence, "Describe how people shaped the bid", maxText)
		if in.Completed {
			v.Check(len(in.Activities) > 0, "activities", "Select at least one activity from your co-production log")
		}
	case "declarations":
		req("declared_by", in.DeclaredBy, "Enter the name of the senior officer who signs off the bid", maxName)
		if in.Completed {
			v.Check(in.Declared, "declared", "Confirm the declaration")
		}
	default:
		return errs.New(errs.NotFound, "No such section.")
	}
	return nil
}

func saveSection(ctx context.Context, d *db.DB, by *auth.Identity, bidID, councilID int64, in SectionInput, pots []Pot, now time.Time) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		before, _, err := editable(ctx, tx, bidID, councilID, now)
		if err != nil {
			return err
		}
		done := b2i(in.Completed)
		switch in.Section {
		case "about":
			_, err = tx.ExecContext(ctx, "UPDATE funding_bids SET title = $1, summary = $2, contact = $3, about_done = $4, updated_at = $5 WHERE id = $6",
				in.Title, in.Summary, in.Contact, done, utc(now), bidID)
		case "amounts":
			if _, err = tx.ExecContext(ctx, "DELETE FROM funding_bid_amounts WHERE bid_id = $1", bidID); err != nil {
				return err
			}
			for _, pot := range pots {
				if a, ok := in.Amounts[pot.ID]; ok {
					if _, err = tx.ExecContext(ctx, "INSERT INTO funding_bid_amounts (bid_id, pot_id, amount_pence) VALUES ($1, $2, $3)", bidID, pot.ID, a); err != nil {
						return err
					}
				}
			}
			_, err = tx.ExecContext(ctx, "UPDATE funding_bids SET homes = $1, amounts_done = $2, updated_at = $3 WHERE id = $4", in.Homes, done, utc(now), bidID)
		case "support":
			_, err = tx.ExecContext(ctx, "UPDATE funding_bids SET support = $1, support_done = $2, updated_at = $3 WHERE id = $4", in.Support, done, utc(now), bidID)
		case "evidence":
			// Only the council's own activities can be evidence.
			if _, err = tx.ExecContext(ctx, "DELETE FROM funding_bid_activities WHERE bid_id = $1", bidID); err != nil {
				return err
			}
			for _, a := range in.Activities {
				var n int
				if err = tx.QueryRowContext(ctx, "SELECT count(*) FROM funding_activities WHERE id = $1 AND council_id = $2", a, councilID).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return fieldErr("activities", "Select activities from your own co-production log")
				}
				if _, err = tx.ExecContext(ctx, "INSERT INTO funding_bid_activities (bid_id, activity_id) VALUES ($1, $2)", bidID, a); err != nil {
					return err
				}
			}
			_, err = tx.ExecContext(ctx, "UPDATE funding_bids SET evidence = $1, evidence_done = $2, updated_at = $3 WHERE id = $4", in.Evidence, done, utc(now), bidID)
		case "declarations":
			_, err = tx.ExecContext(ctx, "UPDATE funding_bids SET declared_by = $1, declared = $2, declarations_done = $3, updated_at = $4 WHERE id = $5",
				in.DeclaredBy, b2i(in.Declared), done, utc(now), bidID)
		}
		if err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		var beforeState any = nil
		if in.Section == "amounts" {
			beforeState = map[string]any{"homes": before.Homes, "amounts": before.Amounts}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.section_saved",
			Subject: fmt.Sprintf("bid:%d", bidID), Scope: fmt.Sprintf("council:%d", councilID), Before: beforeState, After: in, At: now})
	})
}

func fieldErr(field, msg string) error {
	var v errs.Validation
	v.Add(field, msg)
	return v.Err()
}

// Submit submits a council's bid: every section must be completed and the deadline not
// passed. Submitting a bid that is already submitted changes nothing.
func Submit(ctx context.Context, d *db.DB, by *auth.Identity, bidID, councilID int64, now time.Time) (already bool, err error) {
	err = panels.InTxThenWake(ctx, d, func(tx *sql.Tx) error {
		b, _, err := editable(ctx, tx, bidID, councilID, now)
		if b.Submitted() && b.CouncilID == councilID {
			already = true
			return nil
		}
		if err != nil {
			return err
		}
		if !b.Complete() {
			return errs.New(errs.Conflict, "Complete every section before you submit the bid.")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE funding_bids SET submitted_at = $1, updated_at = $1 WHERE id = $2", utc(now), bidID); err != nil {
			return err
		}
		if err := recountProgramme(ctx, tx, d.Dialect, b.ProgrammeID); err != nil {
			return err
		}
		for _, t := range submittedTotals {
			if err := t.Recount(ctx, tx, d.Dialect, b.ProgrammeID); err != nil {
				return err
			}
		}
		if err := ProgrammeBidTotals.Recount(ctx, tx, d.Dialect, b.ProgrammeID); err != nil {
			return err
		}
		if err := tellTookPart(ctx, tx, b, now); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "bid.submitted",
			Subject: fmt.Sprintf("bid:%d", bidID), Scope: fmt.Sprintf("council:%d", councilID),
			After: map[string]any{"total_pence": b.Total(), "homes": b.Homes}, At: now})
	})
	return already, err
}

// tellTookPart tells each named person who took part in the activities a bid uses as evidence
// that the final bid has gone to the funder, and where to read it and see what their words
// changed.
func tellTookPart(ctx context.Context, tx *sql.Tx, b Bid, now time.Time) error {
	people, err := db.Collect(ctx, tx, func(s db.Scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, `SELECT DISTINCT fp.person_id FROM funding_bid_activities ba JOIN funding_participants fp ON fp.activity_id = ba.activity_id
		WHERE ba.bid_id = $1 AND fp.person_id IS NOT NULL ORDER BY fp.person_id`, b.ID)
	if err != nil {
		return fmt.Errorf("who took part in bid %d: %w", b.ID, err)
	}
	var council, programme string
	if err := tx.QueryRowContext(ctx, `SELECT o.name, p.name FROM funding_bids b JOIN organisations o ON o.id = b.council_id
		JOIN funding_programmes p ON p.id = b.programme_id WHERE b.id = $1`, b.ID).Scan(&council, &programme); err != nil {
		return err
	}
	return panels.Tell(ctx, tx, 0, people, "The bid you helped with has been sent: "+programme,
		council+" has sent its final bid to "+programme+". You took part in the work behind it. You can read the bid, and see what was done with what you said.",
		council+" has sent the bid you helped with to "+programme+". You can read it when you sign in.",
		fmt.Sprintf("/funding/bids/%d", b.ID), now)
}

// ---- the co-production log ----

// NewActivity is an activity a council adds to its log.
type NewActivity struct {
	Title   string
	HeldOn  time.Time
	Format  string
	Place   string
	Access  string
	Minutes int64
}

// AddActivity adds an activity to the council's log.
func AddActivity(ctx context.Context, d *db.DB, by *auth.Identity, councilID int64, a NewActivity, now time.Time) (int64, error) {
	var v errs.Validation
	ValidateActivity(a, now, &v)
	if err := v.Err(); err != nil {
		return 0, err
	}
	return addActivity(ctx, d, by, councilID, a, now)
}

// ValidateActivity checks an activity, adding to v.
func ValidateActivity(a NewActivity, now time.Time, v *errs.Validation) {
	checkText(v, "title", a.Title, "Enter what the activity was", maxName)
	v.Check(!a.HeldOn.IsZero(), "held", "Enter the date of the activity")
	if !a.HeldOn.IsZero() {
		v.Check(!a.HeldOn.After(now), "held", "The date of the activity must be today or in the past")
	}
	v.Check(slices.ContainsFunc(Formats, func(f struct{ Value, Text string }) bool { return f.Value == a.Format }), "format", "Select the format of the activity")
	v.Check(utf8.RuneCountInString(a.Place) <= maxName, "place", fmt.Sprintf("Must be %d characters or fewer", maxName))
	v.Check(utf8.RuneCountInString(a.Access) <= maxText, "access", fmt.Sprintf("Must be %d characters or fewer", maxText))
	v.Check(a.Minutes > 0 && a.Minutes <= 24*60, "hours", "Enter how long it lasted in hours, such as 2 or 1.5, up to 24")
}

func addActivity(ctx context.Context, d *db.DB, by *auth.Identity, councilID int64, a NewActivity, now time.Time) (int64, error) {
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		actorID, actorName := audit.By(by)
		if err := tx.QueryRowContext(ctx, `INSERT INTO funding_activities (council_id, title, held_on, format, place, access, minutes, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, councilID, a.Title, utc(a.HeldOn), a.Format, a.Place, a.Access, a.Minutes,
			utc(now), nullID(actorID)).Scan(&id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "activity.added",
			Subject: fmt.Sprintf("activity:%d", id), Scope: fmt.Sprintf("council:%d", councilID), After: a, At: now})
	})
	return id, err
}

// NewParticipant is a person, or a count of anonymous people, who took part.
type NewParticipant struct {
	Type           directory.StakeholderType
	PersonID       int64
	OrganisationID int64
	AnonymousCount int64
}

// activityOf checks the activity is the council's.
func activityOf(ctx context.Context, q querier, activityID, councilID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM funding_activities WHERE id = $1 AND council_id = $2", activityID, councilID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.New(errs.NotFound, "No such activity.")
	}
	return nil
}

// AddParticipant records who took part in one of the council's activities.
func AddParticipant(ctx context.Context, d *db.DB, by *auth.Identity, councilID, activityID int64, p NewParticipant, now time.Time) error {
	return addParticipant(ctx, d, by, councilID, activityID, p, now, nil)
}

// Attendance is a named person recorded as taking part in an activity. It is passed to
// Options.OnAttendance inside the transaction that records it, so that payments owes people
// for their time together with the record, or not at all.
type Attendance struct {
	CouncilID, ActivityID, PersonID, OrganisationID int64
	Type                                            directory.StakeholderType
	Title                                           string
	HeldOn                                          time.Time
	Minutes                                         int64
	By                                              *auth.Identity
	At                                              time.Time // when it was recorded
}

// OnAttendance hears of each named person who takes part in an activity.
type OnAttendance func(context.Context, *sql.Tx, Attendance) error

// tellAttendance passes the person's attendance to hook, if there is one.
func tellAttendance(ctx context.Context, tx *sql.Tx, hook OnAttendance, by *auth.Identity, councilID, activityID, personID, orgID int64,
	t directory.StakeholderType, now time.Time) error {
	if hook == nil || personID == 0 {
		return nil
	}
	a := Attendance{CouncilID: councilID, ActivityID: activityID, PersonID: personID, OrganisationID: orgID, Type: t, By: by, At: now}
	if err := tx.QueryRowContext(ctx, "SELECT title, held_on, minutes FROM funding_activities WHERE id = $1", activityID).
		Scan(&a.Title, &a.HeldOn, &a.Minutes); err != nil {
		return err
	}
	return hook(ctx, tx, a)
}

func addParticipant(ctx context.Context, d *db.DB, by *auth.Identity, councilID, activityID int64, p NewParticipant, now time.Time, hook OnAttendance) error {
	var v errs.Validation
	v.Check(p.Type.Valid(), "type", "Select the type of stakeholder")
	if p.PersonID == 0 {
		v.Check(p.AnonymousCount > 0 && p.AnonymousCount <= 1000, "count", "Choose a person, or enter how many people took part anonymously (1 to 1,000)")
	} else {
		v.Check(p.AnonymousCount == 0, "count", "Choose a person or enter a number of people, not both")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if err := activityOf(ctx, tx, activityID, councilID); err != nil {
			return err
		}
		if p.PersonID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM people WHERE id = $1", p.PersonID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fieldErr("person", "Choose a person from the list")
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO funding_participants (activity_id, stakeholder_type, person_id, organisation_id, anonymous_count)
			VALUES ($1, $2, $3, $4, $5)`, activityID, string(p.Type), nullID(p.PersonID), nullID(p.OrganisationID), p.AnonymousCount); err != nil {
			return err
		}
		if err := tellAttendance(ctx, tx, hook, by, councilID, activityID, p.PersonID, p.OrganisationID, p.Type, now); err != nil {
			return err
		}
		if err := recountActivity(ctx, tx, d.Dialect, activityID); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "participant.added",
			Subject: fmt.Sprintf("activity:%d", activityID), Scope: fmt.Sprintf("council:%d", councilID), After: p, At: now})
	})
}

// NewContribution is what someone said at an activity.
type NewContribution struct {
	Type     directory.StakeholderType
	PersonID int64 // 0 when the person chose to stay anonymous
	Said     string
	MayQuote bool
}

// AddContribution records what someone said.
func AddContribution(ctx context.Context, d *db.DB, by *auth.Identity, councilID, activityID int64, c NewContribution, now time.Time) (int64, error) {
	var v errs.Validation
	v.Check(c.Type.Valid(), "ctype", "Select the type of stakeholder who said it")
	checkText(&v, "said", c.Said, "Enter what was said", maxText)
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := activityOf(ctx, tx, activityID, councilID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO funding_contributions (activity_id, stakeholder_type, person_id, said, may_quote, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, activityID, string(c.Type), nullID(c.PersonID), c.Said, b2i(c.MayQuote), utc(now)).Scan(&id); err != nil {
			return err
		}
		if err := recountContributions(ctx, tx, d.Dialect, councilID, activityID); err != nil {
			return err
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "contribution.added",
			Subject: fmt.Sprintf("contribution:%d", id), Scope: fmt.Sprintf("council:%d", councilID), After: c, At: now})
	})
	return id, err
}

// Respond records what the council did with a contribution, always with a reason.
func Respond(ctx context.Context, d *db.DB, by *auth.Identity, councilID, contributionID int64, response, reason string, now time.Time) error {
	var v errs.Validation
	v.Check(response == "adopted" || response == "adapted" || response == "not_taken_forward", "response", "Select what you did with it")
	checkText(&v, "reason", reason, "Enter the reason, in words the person will understand", maxText)
	if err := v.Err(); err != nil {
		return err
	}
	return panels.InTxThenWake(ctx, d, func(tx *sql.Tx) error {
		var before struct{ Response, Reason string }
		var person sql.NullInt64
		var activity, council string
		var activityID int64
		err := tx.QueryRowContext(ctx, `SELECT c.response, c.reason, c.person_id, a.id, a.title, o.name FROM funding_contributions c
			JOIN funding_activities a ON a.id = c.activity_id JOIN organisations o ON o.id = a.council_id
			WHERE c.id = $1 AND a.council_id = $2`, contributionID, councilID).Scan(&before.Response, &before.Reason, &person, &activityID, &activity, &council)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "No such contribution.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE funding_contributions SET response = $1, reason = $2, responded_at = $3 WHERE id = $4",
			response, reason, utc(now), contributionID); err != nil {
			return err
		}
		if err := recountContributions(ctx, tx, d.Dialect, councilID, activityID); err != nil {
			return err
		}
		// "You said, we did": the person who said it (unless they stayed anonymous) is told,
		// with a link to everything they said when they are a panel member, who has that page.
		if person.Valid {
			answer := Contribution{Response: response}.ResponseLabel()
			var members int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM memberships WHERE person_id = $1 AND role = $2`,
				person.Int64, string(auth.Member)).Scan(&members); err != nil {
				return err
			}
			link := ""
			if members > 0 {
				link = "/payments/mine"
			}
			if err := panels.Tell(ctx, tx, 0, []int64{person.Int64}, "You said, we did: "+activity,
				council+" has answered what you said at "+activity+". What they did: "+answer+". Why: "+reason,
				council+" has answered what you said at "+activity+": "+answer+".", link, now); err != nil {
				return err
			}
		}
		actorID, actorName := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, ActorName: actorName, Action: "contribution.answered",
			Subject: fmt.Sprintf("contribution:%d", contributionID), Scope: fmt.Sprintf("council:%d", councilID),
			Before: before, After: map[string]string{"response": response, "reason": reason}, At: now})
	})
}

// Activities lists a council's log, newest first, without participants or contributions.
func Activities(ctx context.Context, d *db.DB, councilID int64) ([]Activity, error) {
	return db.Collect(ctx, d.Read, scanActivity, `SELECT `+activityColumns+`
		FROM funding_activities WHERE council_id = $1 ORDER BY held_on DESC, id DESC`, councilID)
}

// ActivitiesPage lists one page of the council's log, newest first, and how many there are.
func ActivitiesPage(ctx context.Context, d *db.DB, councilID int64, limit, offset int) ([]Activity, int, error) {
	var total int
	if err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM funding_activities WHERE council_id = $1`, councilID).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := db.Collect(ctx, d.Read, scanActivity, `SELECT `+activityColumns+`
		FROM funding_activities WHERE council_id = $1 ORDER BY held_on DESC, id DESC LIMIT $2 OFFSET $3`, councilID, limit, offset)
	return out, total, err
}

const activityColumns = `id, council_id, title, held_on, format, place, access, minutes, created_at`

func scanActivity(s db.Scanner) (Activity, error) {
	var a Activity
	err := s.Scan(&a.ID, &a.CouncilID, &a.Title, &a.HeldOn, &a.Format, &a.Place, &a.Access, &a.Minutes, &a.CreatedAt)
	return a, err
}

// GetActivity returns one of the council's activities with who took part and what they said.
func GetActivity(ctx context.Context, d *db.DB, councilID, activityID int64) (Activity, error) {
	acts, err := activitiesByIDs(ctx, d, councilID, []int64{activityID})
	if err != nil {
		return Activity{}, err
	}
	if len(acts) == 0 {
		return Activity{}, errs.New(errs.NotFound, "No such activity.")
	}
	return acts[0], nil
}

// activitiesByIDs loads the council's activities among ids, newest first, with participants
// and contributions, in three queries whatever the number. The ids are numbers the caller
// read from the database, bound as parameters.
func activitiesByIDs(ctx context.Context, d *db.DB, councilID int64, ids []int64) ([]Activity, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{councilID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	in := strings.Join(marks, ", ")
	out, err := db.Collect(ctx, d.Read, scanActivity, `SELECT `+activityColumns+`
		FROM funding_activities WHERE council_id = $1 AND id IN (`+in+`) ORDER BY held_on DESC, id DESC`, args...)
	if err != nil {
		return nil, err
	}
	index := map[int64]int{}
	for i, a := range out {
		index[a.ID] = i
	}
	if len(out) == 0 {
		return nil, nil
	}
	prows, err := d.Read.QueryContext(ctx, `SELECT fp.id, fp.activity_id, fp.stakeholder_type, COALESCE(fp.person_id, 0), COALESCE(p.display_name, ''),
		COALESCE(fp.organisation_id, 0), COALESCE(o.name, ''), fp.anonymous_count
		FROM funding_participants fp JOIN funding_activities a ON a.id = fp.activity_id
		LEFT JOIN people p ON p.id = fp.person_id LEFT JOIN organisations o ON o.id = fp.organisation_id
		WHERE a.council_id = $1 AND fp.activity_id IN (`+in+`) ORDER BY fp.id`, args...)
	if err != nil {
		return nil, err
	}
	defer prows.Close()
	for prows.Next() {
		var p Participant
		var t string
		if err := prows.Scan(&p.ID, &p.ActivityID, &t, &p.PersonID, &p.PersonName, &p.OrganisationID, &p.OrganisationName, &p.AnonymousCount); err != nil {
			return nil, err
		}
		p.Type = directory.StakeholderType(t)
		if i, ok := index[p.ActivityID]; ok {
			out[i].Participants = append(out[i].Participants, p)
		}
	}
	if err := prows.Err(); err != nil {
		return nil, err
	}
	// A contributor who chose to stay anonymous is shown as anonymous here and everywhere
	// this feeds: the activity, the bid, the evidence pack and its CSV.
	crows, err := d.Read.QueryContext(ctx, `SELECT c.id, c.activity_id, c.stakeholder_type, COALESCE(c.person_id, 0),
		CASE WHEN c.named = 1 THEN COALESCE(p.display_name, '') ELSE '' END,
		c.said, c.may_quote, c.response, c.reason, c.responded_at
		FROM funding_contributions c JOIN funding_activities a ON a.id = c.activity_id LEFT JOIN people p ON p.id = c.person_id
		WHERE a.council_id = $1 AND c.activity_id IN (`+in+`) ORDER BY c.id`, args...)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var c Contribution
		var t string
		var quote int
		var responded sql.NullTime
		if err := crows.Scan(&c.ID, &c.ActivityID, &t, &c.PersonID, &c.PersonName, &c.Said, &quote, &c.Response, &c.Reason, &responded); err != nil {
			return nil, err
		}
		c.Type = directory.StakeholderType(t)
		c.MayQuote = quote == 1
		c.RespondedAt = nullTime(responded)
		c.By, c.Answer = c.Attribution(), c.ResponseLabel()
		if i, ok := index[c.ActivityID]; ok {
			out[i].Contributions = append(out[i].Contributions, c)
		}
	}
	return out, crows.Err()
}

// Evidence is a bid's co-production evidence, built from the activities it links.
type Evidence struct {
	Activities []Activity
	// Types lists each required stakeholder type and whether it took part.
	Types []TypeCoverage
	// Missing lists the required types that did not take part.
	Missing []directory.StakeholderType
	// Other lists the types that took part though not required.
	Other                  []directory.StakeholderType
	LivedExperiencePeople  int64
	LivedExperienceMinutes int64 // person-minutes
	TotalMinutes           int64
	Contributions          int
	ActedOn                int // adopted or adapted
	Answered               int
	Quotes                 []Contribution
}

// TypeCoverage is one required type and how many took part.
type TypeCoverage struct {
	Type   directory.StakeholderType
	People int64
}

// LivedExperienceHours shows the person-hours given by people with lived experience.
func (e Evidence) LivedExperienceHours() string { return hours(e.LivedExperienceMinutes) }

// TotalHours shows the hours of all activities.
func (e Evidence) TotalHours() string { return hours(e.TotalMinutes) }

// ActedOnPercent is the share of contributions adopted or adapted, as a whole percentage.
func (e Evidence) ActedOnPercent() int {
	if e.Contributions == 0 {
		return 0
	}
	return (e.ActedOn*100 + e.Contributions/2) / e.Contributions
}

// MeetsRequirement reports whether every required type took part.
func (e Evidence) MeetsRequirement() bool { return meetsRequirement(len(e.Activities), len(e.Missing)) }

// meetsRequirement is the one rule for a bid's evidence and the programme report's summary
// of it: at least one activity, and no required type missing.
func meetsRequirement(activities, missing int) bool {
	return missing == 0 && activities > 0
}

// missingTypes lists the required types of which nobody took part, from the people counted
// by type.
func missingTypes(people map[directory.StakeholderType]int64, required []directory.StakeholderType) []directory.StakeholderType {
	var out []directory.StakeholderType
	for _, t := range required {
		if people[t] == 0 {
			out = append(out, t)
		}
	}
	return out
}

// BuildEvidence gathers a bid's evidence from the council's log.
func BuildEvidence(ctx context.Context, d *db.DB, b Bid, p Programme) (Evidence, error) {
	acts, err := activitiesByIDs(ctx, d, b.CouncilID, b.ActivityIDs)
	if err != nil {
		return Evidence{}, err
	}
	return summarise(acts, p.RequiredTypes), nil
}

func summarise(acts []Activity, required []directory.StakeholderType) Evidence {
	e := Evidence{Activities: acts}
	count := map[directory.StakeholderType]int64{}
	for _, a := range acts {
		e.TotalMinutes += a.Minutes
		for _, p := range a.Participants {
			count[p.Type] += p.People()
			if p.Type == directory.LivedExperience {
				e.LivedExperiencePeople += p.People()
				e.LivedExperienceMinutes += p.People() * a.Minutes
			}
		}
		for _, c := range a.Contributions {
			e.Contributions++
			if c.Response != "" {
				e.Answered++
			}
			if c.Response == "adopted" || c.Response == "adapted" {
				e.ActedOn++
			}
			if c.MayQuote && len(e.Quotes) < 10 {
				e.Quotes = append(e.Quotes, c)
			}
		}
	}
	for _, t := range required {
		e.Types = append(e.Types, TypeCoverage{Type: t, People: count[t]})
	}
	e.Missing = missingTypes(count, required)
	for _, t := range directory.StakeholderTypes {
		if count[t] > 0 && !slices.Contains(required, t) {
			e.Other = append(e.Other, t)
		}
	}
	return e
}

var london = web.London

// Money shows pence as pounds the GOV.UK way: £1,234 for whole pounds, £1,234.56 otherwise.
func Money(pence int64) string {
	neg := pence < 0
	if neg {
		pence = -pence
	}
	s := "£" + web.FormatNumber(pence/100)
	if p := pence % 100; p != 0 {
		s += fmt.Sprintf(".%02d", p)
	}
	if neg {
		return "-" + s
	}
	return s
}

// ParsePounds reads an amount in whole pounds, such as "1,250,000" or "£500", as pence.
func ParsePounds(s string) (int64, string) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "£"))
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, "empty"
	}
	if strings.HasPrefix(s, "-") {
		return 0, "cannot be negative"
	}
	if strings.Contains(s, ".") {
		return 0, "must be in whole pounds, without pence"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > 100_000_000_000 {
		return 0, "must be a number of pounds, like 250000"
	}
	return n * 100, ""
}
