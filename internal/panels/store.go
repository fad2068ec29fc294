package panels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// Kinds of panel.
const (
	Regional = "regional"
	Local    = "local"
)

// Panel is a regional or local lived-experience panel.
type Panel struct {
	ID             int64
	Name           string
	Slug           string
	Kind           string
	OrganisationID int64
	RegionID       int64
	RegionName     string
	About          string
	// Members counts the people holding the member role in the panel's organisation.
	Members int
}

// NewPanel is a panel to add.
type NewPanel struct {
	Name, Slug, Kind, About  string
	OrganisationID, RegionID int64
}

// CreatePanel adds a panel for an organisation in the directory.
func CreatePanel(ctx context.Context, d *db.DB, p NewPanel, now time.Time) (int64, error) {
	var v errs.Validation
	v.Check(strings.TrimSpace(p.Name) != "", "name", "Enter the panel's name")
	v.Check(p.Slug != "" && p.Slug == strings.ToLower(p.Slug) && !strings.ContainsAny(p.Slug, " /?#"), "slug", "Enter a short web name in lower case")
	v.Check(p.Kind == Regional || p.Kind == Local, "kind", "Choose regional or local")
	v.Check(p.OrganisationID != 0, "organisation", "Choose the panel's organisation")
	v.Check(p.Kind != Regional || p.RegionID != 0, "region", "Choose the region of a regional panel")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		var slugTaken, orgTaken int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM panels WHERE slug = $1), (SELECT count(*) FROM panels WHERE organisation_id = $2)`,
			p.Slug, p.OrganisationID).Scan(&slugTaken, &orgTaken); err != nil {
			return err
		}
		v.Check(slugTaken == 0, "slug", "There is already a panel with the web name "+p.Slug+"; choose another")
		v.Check(orgTaken == 0, "organisation", "That group already has a panel")
		if err := v.Err(); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO panels (name, slug, kind, organisation_id, region_id, about, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			strings.TrimSpace(p.Name), p.Slug, p.Kind, p.OrganisationID, nullID(p.RegionID), strings.TrimSpace(p.About), utc(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "There is already a panel with that web name or organisation.")
		}
		if err != nil {
			return fmt.Errorf("insert panel: %w", err)
		}
		actor, name := audit.By(auth.From(ctx))
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "panel.created", Subject: fmt.Sprintf("panel:%d", id),
			Scope: fmt.Sprintf("panel:%d", id), At: now, After: p})
	})
	return id, err
}

// The members counted in panelColumns are the panel's memberships less those of switched-off people:
// the first count reads only the index memberships_organisation and the second the few
// switched-off people (index people_disabled; CROSS JOIN keeps SQLite's planner to that
// order, PostgreSQL plans it as an inner join). Joining every member to people instead made
// the panels page read thousands of rows at national scale.
const panelColumns = `p.id, p.name, p.slug, p.kind, p.organisation_id, COALESCE(p.region_id, 0), COALESCE(r.name, ''), p.about,
	(SELECT count(*) FROM memberships m WHERE m.organisation_id = p.organisation_id AND m.role = 'member') -
	(SELECT count(*) FROM people pe CROSS JOIN memberships m
	 WHERE pe.disabled_at IS NOT NULL AND m.person_id = pe.id AND m.organisation_id = p.organisation_id AND m.role = 'member')
FROM panels p LEFT JOIN regions r ON r.id = p.region_id`

func scanPanel(s interface{ Scan(...any) error }) (Panel, error) {
	var p Panel
	err := s.Scan(&p.ID, &p.Name, &p.Slug, &p.Kind, &p.OrganisationID, &p.RegionID, &p.RegionName, &p.About, &p.Members)
	return p, err
}

// ListPanels lists the regional panels by region, then the local ones by name.
func ListPanels(ctx context.Context, d *db.DB) ([]Panel, error) {
	out, err := db.Collect(ctx, d.Read, scanPanel, `SELECT `+panelColumns+` ORDER BY p.kind DESC, p.name`)
	if err != nil {
		return nil, fmt.Errorf("list panels: %w", err)
	}
	return out, nil
}

// PanelsByID reads the named panels' names and organisations, without counting their members,
// for pages that only name them.
func PanelsByID(ctx context.Context, d *db.DB, ids []int64) (map[int64]Panel, error) {
	out := map[int64]Panel{}
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	ps, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Panel, error) {
		var p Panel
		return p, s.Scan(&p.ID, &p.Name, &p.Slug, &p.OrganisationID)
	}, `SELECT id, name, slug, organisation_id FROM panels WHERE id IN (`+strings.Join(list, ", ")+`)`)
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, err
}

// PanelBySlug finds a panel by its web name.
func PanelBySlug(ctx context.Context, d *db.DB, slug string) (Panel, error) {
	p, err := scanPanel(d.Read.QueryRowContext(ctx, `SELECT `+panelColumns+` WHERE p.slug = $1`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.New(errs.NotFound, "There is no panel called %q.", slug)
	}
	return p, err
}

// PanelByID finds a panel by id.
func PanelByID(ctx context.Context, d *db.DB, id int64) (Panel, error) {
	p, err := scanPanel(d.Read.QueryRowContext(ctx, `SELECT `+panelColumns+` WHERE p.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, errs.New(errs.NotFound, "There is no such panel.")
	}
	return p, err
}

// Insider reports whether the person is one of the panel's members or facilitators: only
// they see its members, meetings and drafts.
func (p Panel) Insider(id *auth.Identity) bool {
	return id.HasIn(auth.Member, p.OrganisationID) || id.HasIn(auth.Facilitator, p.OrganisationID)
}

// Facilitates reports whether the person facilitates the panel.
func (p Panel) Facilitates(id *auth.Identity) bool {
	return id.HasIn(auth.Facilitator, p.OrganisationID)
}

// IsMember reports whether the person is a member of the panel.
func (p Panel) IsMember(id *auth.Identity) bool { return id.HasIn(auth.Member, p.OrganisationID) }

// Member is a person in a panel.
type Member struct {
	PersonID      int64
	Name          string
	Role          auth.Role
	NamedPublicly bool
	HasProfile    bool
}

// Members lists the panel's members and facilitators, by name.
func Members(ctx context.Context, d *db.DB, panelID int64) ([]Member, error) {
	return membersWhere(ctx, d, "", "", panelID)
}

const memberColumns = `
SELECT pe.id, pe.display_name, m.role, COALESCE(pr.named_publicly, FALSE), pr.person_id IS NOT NULL
FROM panels p
JOIN memberships m ON m.organisation_id = p.organisation_id AND m.role IN ('member', 'facilitator')
JOIN people pe ON pe.id = m.person_id AND pe.disabled_at IS NULL
LEFT JOIN panel_profiles pr ON pr.person_id = pe.id
WHERE p.id = $1 `

// membersWhere lists the panel's members and facilitators that the rest of the query (more
// conditions) picks, members then facilitators, each by name, and then page (a limit, or nothing);
// $1 is the panel.
func membersWhere(ctx context.Context, d *db.DB, rest, page string, args ...any) ([]Member, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Member, error) {
		var m Member
		return m, s.Scan(&m.PersonID, &m.Name, &m.Role, &m.NamedPublicly, &m.HasProfile)
	}, memberColumns+rest+` ORDER BY m.role DESC, lower(pe.display_name), pe.id `+page, args...)
	if err != nil {
		return nil, fmt.Errorf("list panel members: %w", err)
	}
	return out, nil
}

// MembersOnly lists the panel's members, by name, without its facilitators: a meeting's page
// shows only who of them is coming and who attended.
func MembersOnly(ctx context.Context, d *db.DB, panelID int64) ([]Member, error) {
	return membersWhere(ctx, d, `AND m.role = 'member'`, "", panelID)
}

// MembersPage reads one page of the panel's members and facilitators, as Members orders them.
func MembersPage(ctx context.Context, d *db.DB, panelID int64, limit, offset int) ([]Member, error) {
	return membersWhere(ctx, d, "", "LIMIT $2 OFFSET $3", panelID, limit, offset)
}

// CountMembers counts the panel's members and facilitators, the switched-off left out.
func CountMembers(ctx context.Context, d *db.DB, panelID int64) (int, error) {
	var n int
	err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM panels p
		JOIN memberships m ON m.organisation_id = p.organisation_id AND m.role IN ('member', 'facilitator')
		JOIN people pe ON pe.id = m.person_id AND pe.disabled_at IS NULL WHERE p.id = $1`, panelID).Scan(&n)
	return n, err
}

// NamedMembers lists the panel's members who chose to be named in public.
func NamedMembers(ctx context.Context, d *db.DB, panelID int64) ([]Member, error) {
	return membersWhere(ctx, d, `AND m.role = 'member' AND pr.named_publicly`, "", panelID)
}

// MemberOf finds one person among the panel's members and facilitators.
func MemberOf(ctx context.Context, d *db.DB, panelID, personID int64) (Member, error) {
	ms, err := membersWhere(ctx, d, `AND pe.id = $2`, "", panelID, personID)
	if err != nil {
		return Member{}, err
	}
	if len(ms) == 0 {
		return Member{}, errs.New(errs.NotFound, "That person is not in this panel.")
	}
	return ms[0], nil
}

// Support is a kind of support a member may need to take part.
type Support struct{ Code, Label string }

// Supports lists the kinds of support a profile can ask for.
var Supports = []Support{
	{"travel", "Travel paid or arranged"},
	{"childcare", "Childcare"},
	{"interpreter", "An interpreter"},
	{"step_free", "Step-free access"},
	{"support_worker", "A support worker with me"},
}

// Profile is a member's strengths-based profile.
type Profile struct {
	PersonID      int64
	Skills        string
	Interests     string
	Hopes         string
	Support       []string // codes from Supports
	SupportOther  string
	NamedPublicly bool
	UpdatedAt     time.Time // zero when never filled in
}

// SupportLabels names the support asked for, in plain English.
func (p Profile) SupportLabels() []string {
	var out []string
	for _, s := range Supports {
		if slices.Contains(p.Support, s.Code) {
			out = append(out, s.Label)
		}
	}
	return out
}

// Needs reports whether the profile asks for any support.
func (p Profile) Needs(code string) bool { return slices.Contains(p.Support, code) }

// GetProfile reads a person's profile; a person who has not filled one in has an empty one
// (UpdatedAt zero).
func GetProfile(ctx context.Context, d *db.DB, personID int64) (Profile, error) {
	p := Profile{PersonID: personID}
	var support string
	err := d.Read.QueryRowContext(ctx, `SELECT skills, interests, hopes, support, support_other, named_publicly, updated_at
		FROM panel_profiles WHERE person_id = $1`, personID).
		Scan(&p.Skills, &p.Interests, &p.Hopes, &support, &p.SupportOther, &p.NamedPublicly, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read profile: %w", err)
	}
	if support != "" {
		p.Support = strings.Split(support, ",")
	}
	return p, nil
}

const maxText = 2000

func checkText(v *errs.Validation, field, label, s string, required bool) {
	if required && strings.TrimSpace(s) == "" {
		v.Add(field, "Enter "+label)
		return
	}
	v.Check(utf8.RuneCountInString(s) <= maxText, field, fmt.Sprintf("%s must be %d characters or fewer", capitalise(label), maxText))
}

func capitalise(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "the "), "a ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// SaveProfile stores a person's own profile.
func SaveProfile(ctx context.Context, d *db.DB, personID int64, p Profile, now time.Time) error {
	var v errs.Validation
	checkText(&v, "skills", "your skills", p.Skills, false)
	checkText(&v, "interests", "your interests", p.Interests, false)
	checkText(&v, "hopes", "what you would like to do", p.Hopes, false)
	for _, c := range p.Support {
		v.Check(slices.ContainsFunc(Supports, func(s Support) bool { return s.Code == c }), "support", "Choose support from the list")
	}
	checkText(&v, "support_other", "other support", p.SupportOther, false)
	if err := v.Err(); err != nil {
		return err
	}
	p.Support = slices.Compact(slices.Sorted(slices.Values(p.Support)))
	_, err := d.Write.ExecContext(ctx, `INSERT INTO panel_profiles (person_id, skills, interests, hopes, support, support_other, named_publicly, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (person_id) DO UPDATE SET skills = excluded.skills, interests = excluded.interests, hopes = excluded.hopes,
		support = excluded.support, support_other = excluded.support_other, named_publicly = excluded.named_publicly, updated_at = excluded.updated_at`,
		personID, strings.TrimSpace(p.Skills), strings.TrimSpace(p.Interests), strings.TrimSpace(p.Hopes),
		strings.Join(p.Support, ","), strings.TrimSpace(p.SupportOther), p.NamedPublicly, utc(now))
	if err != nil {
		return fmt.Errorf("save profile: %w", err)
	}
	return nil
}

// Meeting is a panel meeting.
type Meeting struct {
	ID         int64
	PanelID    int64
	Title      string
	StartsAt   time.Time
	Place      string
	OnlineLink string
	AccessInfo string
	Agenda     string
	Notes      string
	Decisions  string
	Actions    string
	RecordedAt time.Time // zero until the facilitator records it
	// Replies maps person id to yes, no or maybe; Attended holds who came.
	Replies  map[int64]string
	Attended map[int64]bool
	Coming   int
	// AttendedCount is how many attended, once recorded.
	AttendedCount int
}

// Recorded reports whether attendance and notes have been recorded.
func (m Meeting) Recorded() bool { return !m.RecordedAt.IsZero() }

// changeable refuses a change to a meeting that has started or been recorded.
func (m Meeting) changeable(now time.Time) error {
	if m.Recorded() || !m.StartsAt.After(now) {
		return errs.New(errs.Conflict, "This meeting has already started, so it cannot be changed. Arrange a new meeting instead.")
	}
	return nil
}

// NewMeeting is a meeting as the form gives it.
type NewMeeting struct {
	Title, Date, Time, Place, OnlineLink, AccessInfo, Agenda string
}

// ParseLondon reads a date (YYYY-MM-DD) and a time (HH:MM) in London time.
func ParseLondon(date, clock string) (time.Time, error) {
	return time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(date)+" "+strings.TrimSpace(clock), web.London)
}

// validateMeeting checks a meeting as the form gives it and returns when it starts.
func validateMeeting(m NewMeeting, now time.Time) (time.Time, error) {
	var v errs.Validation
	checkText(&v, "title", "a title", m.Title, true)
	v.Check(utf8.RuneCountInString(m.Title) <= 200, "title", "Title must be 200 characters or fewer")
	var starts time.Time
	if _, err := time.Parse("2006-01-02", strings.TrimSpace(m.Date)); err != nil {
		v.Add("date", "Enter the date of the meeting, for example 2026-03-14")
	} else if _, err := time.Parse("15:04", strings.TrimSpace(m.Time)); err != nil {
		v.Add("time", "Enter the start time, for example 14:30")
	} else {
		starts, _ = ParseLondon(m.Date, m.Time)
		v.Check(starts.After(now), "date", "The meeting must be in the future")
	}
	v.Check(strings.TrimSpace(m.Place) != "" || strings.TrimSpace(m.OnlineLink) != "", "place", "Enter a place or an online link")
	checkText(&v, "place", "the place", m.Place, false)
	if l := strings.TrimSpace(m.OnlineLink); l != "" {
		u, err := url.Parse(l)
		v.Check(err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "", "online_link", "Enter the online link in full, starting https://")
	}
	checkText(&v, "access_info", "access information", m.AccessInfo, false)
	checkText(&v, "agenda", "the agenda", m.Agenda, true)
	return starts, v.Err()
}

// CreateMeeting adds a meeting to a panel.
func CreateMeeting(ctx context.Context, d *db.DB, panelID int64, m NewMeeting, by *auth.Identity, now time.Time) (int64, error) {
	starts, err := validateMeeting(m, now)
	if err != nil {
		return 0, err
	}
	var id int64
	var sent []outgoing
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO panel_meetings (panel_id, title, starts_at, place, online_link, access_info, agenda, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, panelID, strings.TrimSpace(m.Title), utc(starts),
			strings.TrimSpace(m.Place), strings.TrimSpace(m.OnlineLink), strings.TrimSpace(m.AccessInfo), strings.TrimSpace(m.Agenda),
			nullID(by.PersonID), utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert meeting: %w", err)
		}
		members, err := panelPeople(ctx, tx, panelID, auth.Member)
		if err != nil {
			return err
		}
		where := meetingPlace(m.Place)
		if sent, err = notifyShort(ctx, tx, panelID, members, "New meeting: "+strings.TrimSpace(m.Title),
			"A meeting is arranged for "+web.FormatDateTime(starts)+". Please say if you are coming.",
			"New meeting: "+strings.TrimSpace(m.Title)+", "+web.FormatDateTime(starts)+" "+where+". Please say if you are coming.",
			fmt.Sprintf("/panels/%s/meetings/%d", slugOf(ctx, tx, panelID), id), now); err != nil {
			return err
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "meeting.created",
			Subject: fmt.Sprintf("meeting:%d", id), Scope: fmt.Sprintf("panel:%d", panelID), At: now, After: m})
	})
	if err == nil {
		deliver(sent)
	}
	return id, err
}

// ChangeMeeting changes a meeting that has not started. When its time, place, online link or
// access information changes, each member is told, by their chosen channels, except those who
// said they are not coming to a meeting whose time did not change; a new time asks everyone
// to say again whether they are coming, and the reminder the day before is sent afresh.
func ChangeMeeting(ctx context.Context, d *db.DB, panelID, meetingID int64, m NewMeeting, by *auth.Identity, now time.Time) error {
	starts, err := validateMeeting(m, now)
	if err != nil {
		return err
	}
	m = NewMeeting{Title: strings.TrimSpace(m.Title), Place: strings.TrimSpace(m.Place), OnlineLink: strings.TrimSpace(m.OnlineLink),
		AccessInfo: strings.TrimSpace(m.AccessInfo), Agenda: strings.TrimSpace(m.Agenda), Date: m.Date, Time: m.Time}
	return InTxThenWake(ctx, d, func(tx *sql.Tx) error {
		var was NewMeeting
		var wasStarts time.Time
		var recorded sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT title, starts_at, place, online_link, access_info, agenda, recorded_at FROM panel_meetings
			WHERE id = $1 AND panel_id = $2`, meetingID, panelID).Scan(&was.Title, &wasStarts, &was.Place, &was.OnlineLink, &was.AccessInfo, &was.Agenda, &recorded)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.New(errs.NotFound, "There is no such meeting.")
		}
		if err != nil {
			return err
		}
		if err := (Meeting{StartsAt: wasStarts, RecordedAt: recorded.Time}).changeable(now); err != nil {
			return err
		}
		moved := !wasStarts.Equal(starts)
		tell := moved || was.Place != m.Place || was.OnlineLink != m.OnlineLink || was.AccessInfo != m.AccessInfo
		if !tell && was.Title == m.Title && was.Agenda == m.Agenda {
			return nil // nothing changed
		}
		changed := sql.NullTime{}
		if tell {
			changed = sql.NullTime{Time: utc(now), Valid: true}
		}
		// A new time clears the replies (people must say again) and the reminder (it is due
		// afresh the day before the new time).
		if _, err := tx.ExecContext(ctx, `UPDATE panel_meetings SET title = $1, starts_at = $2, place = $3, online_link = $4, access_info = $5,
			agenda = $6, changed_at = COALESCE($7, changed_at), reminded_at = CASE WHEN $8 THEN NULL ELSE reminded_at END WHERE id = $9`,
			m.Title, utc(starts), m.Place, m.OnlineLink, m.AccessInfo, m.Agenda, changed, moved, meetingID); err != nil {
			return fmt.Errorf("change meeting: %w", err)
		}
		if moved {
			if _, err := tx.ExecContext(ctx, `DELETE FROM panel_meeting_replies WHERE meeting_id = $1`, meetingID); err != nil {
				return err
			}
		}
		if tell {
			to, err := panelPeople(ctx, tx, panelID, auth.Member)
			if err != nil {
				return err
			}
			if !moved {
				notComing, err := notComing(ctx, tx, meetingID)
				if err != nil {
					return err
				}
				to = slices.DeleteFunc(to, func(id int64) bool { return notComing[id] })
			}
			when, where := web.FormatDateTime(starts), meetingPlace(m.Place)
			body := "The meeting has changed. It is now at " + when + ", " + where + "."
			short := "Meeting changed: " + m.Title + ", now " + when + " " + where + "."
			if moved {
				body += " The time has changed, so please say again if you are coming."
				short += " Please say if you are coming."
			}
			if _, err := notifyShort(ctx, tx, panelID, to, "Meeting changed: "+m.Title, body, short,
				fmt.Sprintf("/panels/%s/meetings/%d", slugOf(ctx, tx, panelID), meetingID), now); err != nil {
				return err
			}
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "meeting.changed",
			Subject: fmt.Sprintf("meeting:%d", meetingID), Scope: fmt.Sprintf("panel:%d", panelID), At: now,
			Before: map[string]any{"title": was.Title, "starts_at": wasStarts.UTC(), "place": was.Place, "online_link": was.OnlineLink, "access_info": was.AccessInfo, "agenda": was.Agenda},
			After:  map[string]any{"title": m.Title, "starts_at": utc(starts), "place": m.Place, "online_link": m.OnlineLink, "access_info": m.AccessInfo, "agenda": m.Agenda}})
	})
}

// notComing is who said they are not coming to a meeting, read inside tx.
func notComing(ctx context.Context, tx *sql.Tx, meetingID int64) (map[int64]bool, error) {
	ids, err := db.Collect(ctx, tx, func(s db.Scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, `SELECT person_id FROM panel_meeting_replies WHERE meeting_id = $1 AND answer = 'no'`, meetingID)
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// ListMeetings lists a panel's meetings, soonest first.
func ListMeetings(ctx context.Context, d *db.DB, panelID int64) ([]Meeting, error) {
	return meetingsWhere(ctx, d, `m.panel_id = $1 ORDER BY m.starts_at DESC, m.id DESC`, panelID)
}

// MeetingsPage reads one page of the panel's meetings, newest first, through
// panel_meetings_panel.
func MeetingsPage(ctx context.Context, d *db.DB, panelID int64, limit, offset int) ([]Meeting, error) {
	return meetingsWhere(ctx, d, `m.panel_id = $1 ORDER BY m.starts_at DESC, m.id DESC LIMIT $2 OFFSET $3`, panelID, limit, offset)
}

// MeetingsAround reads the panel's next upcoming meetings, soonest last (up to coming of them),
// and the latest past ones (up to past), as its page shows them: newest first.
func MeetingsAround(ctx context.Context, d *db.DB, panelID int64, now time.Time, coming, past int) ([]Meeting, error) {
	next, err := meetingsWhere(ctx, d, `m.panel_id = $1 AND m.starts_at >= $2 ORDER BY m.starts_at, m.id LIMIT $3`, panelID, now.UTC(), coming)
	if err != nil {
		return nil, err
	}
	slices.Reverse(next)
	before, err := meetingsWhere(ctx, d, `m.panel_id = $1 AND m.starts_at < $2 ORDER BY m.starts_at DESC, m.id DESC LIMIT $3`, panelID, now.UTC(), past)
	return append(next, before...), err
}

// CountMeetings counts the panel's meetings, and those still to come, from its index.
func CountMeetings(ctx context.Context, d *db.DB, panelID int64, now time.Time) (all, coming int, err error) {
	err = d.Read.QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN starts_at >= $2 THEN 1 ELSE 0 END), 0)
		FROM panel_meetings WHERE panel_id = $1`, panelID, now.UTC()).Scan(&all, &coming)
	return all, coming, err
}

func meetingsWhere(ctx context.Context, d *db.DB, where string, args ...any) ([]Meeting, error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT m.id, m.panel_id, m.title, m.starts_at, m.place, m.online_link, m.recorded_at,
		(SELECT count(*) FROM panel_meeting_replies r WHERE r.meeting_id = m.id AND r.answer = 'yes'),
		(SELECT count(*) FROM panel_attendance a WHERE a.meeting_id = m.id)
		FROM panel_meetings m WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	defer rows.Close()
	var out []Meeting
	for rows.Next() {
		var m Meeting
		var rec sql.NullTime
		if err := rows.Scan(&m.ID, &m.PanelID, &m.Title, &m.StartsAt, &m.Place, &m.OnlineLink, &rec, &m.Coming, &m.AttendedCount); err != nil {
			return nil, err
		}
		if rec.Valid {
			m.RecordedAt = rec.Time
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// GetMeeting reads one of a panel's meetings with its replies and attendance.
func GetMeeting(ctx context.Context, d *db.DB, panelID, meetingID int64) (Meeting, error) {
	m := Meeting{ID: meetingID, PanelID: panelID, Replies: map[int64]string{}, Attended: map[int64]bool{}}
	var rec sql.NullTime
	err := d.Read.QueryRowContext(ctx, `SELECT title, starts_at, place, online_link, access_info, agenda, notes, decisions, actions, recorded_at
		FROM panel_meetings WHERE id = $1 AND panel_id = $2`, meetingID, panelID).
		Scan(&m.Title, &m.StartsAt, &m.Place, &m.OnlineLink, &m.AccessInfo, &m.Agenda, &m.Notes, &m.Decisions, &m.Actions, &rec)
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.New(errs.NotFound, "There is no such meeting.")
	}
	if err != nil {
		return m, fmt.Errorf("read meeting: %w", err)
	}
	if rec.Valid {
		m.RecordedAt = rec.Time
	}
	rows, err := d.Read.QueryContext(ctx, `SELECT person_id, answer FROM panel_meeting_replies WHERE meeting_id = $1`, meetingID)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			return m, err
		}
		m.Replies[id] = a
		if a == "yes" {
			m.Coming++
		}
	}
	if err := rows.Err(); err != nil {
		return m, err
	}
	arows, err := d.Read.QueryContext(ctx, `SELECT person_id FROM panel_attendance WHERE meeting_id = $1`, meetingID)
	if err != nil {
		return m, err
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		if err := arows.Scan(&id); err != nil {
			return m, err
		}
		m.Attended[id] = true
	}
	return m, arows.Err()
}

// Replies a member can give to a meeting invitation.
var Replies = []web.Option{{Value: "yes", Text: "Yes, I am coming"}, {Value: "maybe", Text: "Maybe"}, {Value: "no", Text: "No, I cannot come"}}

// ReplyToMeeting records whether a member is coming; a second reply replaces the first.
func ReplyToMeeting(ctx context.Context, d *db.DB, panelID, meetingID, personID int64, answer string, now time.Time) error {
	if !slices.ContainsFunc(Replies, func(o web.Option) bool { return o.Value == answer }) {
		var v errs.Validation
		v.Add("answer", "Choose whether you are coming")
		return v.Err()
	}
	m, err := GetMeeting(ctx, d, panelID, meetingID)
	if err != nil {
		return err
	}
	if !m.StartsAt.After(now) {
		return errs.New(errs.Conflict, "This meeting has already started.")
	}
	_, err = d.Write.ExecContext(ctx, `INSERT INTO panel_meeting_replies (meeting_id, person_id, answer, replied_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (meeting_id, person_id) DO UPDATE SET answer = excluded.answer, replied_at = excluded.replied_at`,
		meetingID, personID, answer, utc(now))
	return err
}

// MeetingRecord is what the facilitator writes after a meeting.
type MeetingRecord struct {
	Attended                  []int64
	Notes, Decisions, Actions string
}

// RecordMeeting stores attendance, notes, decisions and actions, replacing an earlier record.
// Everyone marked as attending must be in the panel. Attendance will feed payments, so the
// change is audited.
func RecordMeeting(ctx context.Context, d *db.DB, panelID, meetingID int64, rec MeetingRecord, by *auth.Identity, now time.Time) error {
	return recordMeeting(ctx, d, panelID, meetingID, rec, by, now, nil)
}

// AttendanceChange is one change to who attended a meeting: someone marked as attending, or taken
// off. It is passed to Options.OnAttendance inside the transaction that records it, so that
// payments owes people for their time together with the record, or not at all.
type AttendanceChange struct {
	PanelID, OrganisationID, MeetingID, PersonID int64
	Title                                        string
	StartsAt                                     time.Time
	Minutes                                      int64 // the meeting's length; 0 as meetings do not record one
	Attended                                     bool  // false when someone recorded earlier is taken off
	By                                           *auth.Identity
	At                                           time.Time // when it was recorded
}

func recordMeeting(ctx context.Context, d *db.DB, panelID, meetingID int64, rec MeetingRecord, by *auth.Identity, now time.Time,
	onAttendance func(context.Context, *sql.Tx, AttendanceChange) error) error {
	var v errs.Validation
	checkText(&v, "notes", "notes", rec.Notes, true)
	checkText(&v, "decisions", "decisions", rec.Decisions, false)
	checkText(&v, "actions", "actions", rec.Actions, false)
	if err := v.Err(); err != nil {
		return err
	}
	m, err := GetMeeting(ctx, d, panelID, meetingID)
	if err != nil {
		return err
	}
	if m.StartsAt.After(now) {
		return errs.New(errs.Conflict, "You can record the meeting once it has started.")
	}
	members, err := Members(ctx, d, panelID)
	if err != nil {
		return err
	}
	rec.Attended = slices.Compact(slices.Sorted(slices.Values(rec.Attended)))
	for _, id := range rec.Attended {
		if !slices.ContainsFunc(members, func(x Member) bool { return x.PersonID == id }) {
			v.Add("attended", "Choose people from the list")
			return v.Err()
		}
	}
	var before []int64
	for id := range m.Attended {
		before = append(before, id)
	}
	slices.Sort(before)
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE panel_meetings SET notes = $1, decisions = $2, actions = $3, recorded_at = $4 WHERE id = $5 AND panel_id = $6`,
			strings.TrimSpace(rec.Notes), strings.TrimSpace(rec.Decisions), strings.TrimSpace(rec.Actions), utc(now), meetingID, panelID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM panel_attendance WHERE meeting_id = $1`, meetingID); err != nil {
			return err
		}
		for _, id := range rec.Attended {
			if _, err := tx.ExecContext(ctx, `INSERT INTO panel_attendance (meeting_id, person_id) VALUES ($1, $2)`, meetingID, id); err != nil {
				return err
			}
		}
		if onAttendance != nil {
			var orgID int64
			if err := tx.QueryRowContext(ctx, "SELECT organisation_id FROM panels WHERE id = $1", panelID).Scan(&orgID); err != nil {
				return err
			}
			// Everyone attending now (payments skips those it already knows) and anyone taken off.
			changes := map[int64]bool{}
			for _, id := range before {
				changes[id] = false
			}
			for _, id := range rec.Attended {
				changes[id] = true
			}
			for _, id := range slices.Sorted(maps.Keys(changes)) {
				attended := changes[id]
				if err := onAttendance(ctx, tx, AttendanceChange{PanelID: panelID, OrganisationID: orgID, MeetingID: meetingID, PersonID: id,
					Title: m.Title, StartsAt: m.StartsAt, Attended: attended, By: by, At: now}); err != nil {
					return err
				}
			}
		}
		actor, name := audit.By(by)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor, ActorName: name, Action: "meeting.recorded",
			Subject: fmt.Sprintf("meeting:%d", meetingID), Scope: fmt.Sprintf("panel:%d", panelID), At: now,
			Before: map[string]any{"attended": before, "notes": m.Notes, "decisions": m.Decisions, "actions": m.Actions},
			After:  map[string]any{"attended": rec.Attended, "notes": rec.Notes, "decisions": rec.Decisions, "actions": rec.Actions}})
	})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// slugOf reads a panel's web name inside tx, for links in messages.
func slugOf(ctx context.Context, tx *sql.Tx, panelID int64) string {
	var slug string
	_ = tx.QueryRowContext(ctx, "SELECT slug FROM panels WHERE id = $1", panelID).Scan(&slug)
	return slug
}

// Attended is one person's recorded attendance at one meeting.
type Attended struct {
	MeetingID int64
	Title     string
	StartsAt  time.Time
	PersonID  int64
	Name      string
}

// Attendance lists who attended the panel's recorded meetings that started in [from, to),
// by meeting then name: what the payments capability reads to pay members for their time.
func Attendance(ctx context.Context, d *db.DB, panelID int64, from, to time.Time) ([]Attended, error) {
	rows, err := d.Read.QueryContext(ctx, `SELECT m.id, m.title, m.starts_at, p.id, p.display_name
		FROM panel_attendance a JOIN panel_meetings m ON m.id = a.meeting_id JOIN people p ON p.id = a.person_id
		WHERE m.panel_id = $1 AND m.recorded_at IS NOT NULL AND m.starts_at >= $2 AND m.starts_at < $3
		ORDER BY m.starts_at, m.id, lower(p.display_name), p.id`, panelID, utc(from), utc(to))
	if err != nil {
		return nil, fmt.Errorf("list attendance: %w", err)
	}
	defer rows.Close()
	var out []Attended
	for rows.Next() {
		var a Attended
		if err := rows.Scan(&a.MeetingID, &a.Title, &a.StartsAt, &a.PersonID, &a.Name); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
