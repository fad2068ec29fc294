package app

import "roundtable/internal/platform/pagecache"

// dataVersions are the page cache's migrations in order (pagecache/1, /2, ...): each names
// the kinds of data public pages show, one per capability, with the tables whose writes bump
// the kind's version (platform/pagecache). A migration that has run is never edited: a table
// added later goes in a new element naming only it (TestEveryTableHasAKind fails until it is
// in one, or in PrivateTables).
var dataVersions = [][]pagecache.Kind{{
	{Name: "directory", Tables: []string{"regions", "organisations", "councils", "council_former_codes"}},
	{Name: "accounts", Tables: []string{"people", "memberships"}},
	{Name: "funding", Tables: []string{"funding_programmes", "funding_pots", "funding_rubric_levels", "funding_bids",
		"funding_bid_amounts", "funding_activities", "funding_participants", "funding_contributions", "funding_bid_activities",
		"funding_assessors", "funding_conflicts", "funding_scores", "funding_outcomes", "funding_awards", "funding_thanks",
		"funding_support_requests"}},
	{Name: "consent", Tables: []string{"consent_rounds", "consent_responses"}},
	{Name: "panels", Tables: []string{"panels", "panel_profiles", "panel_meetings", "panel_meeting_replies", "panel_attendance",
		"recommendations", "recommendation_updates", "opportunities", "opportunity_interests"}},
	{Name: "insight", Tables: []string{"rough_sleeping_figures", "rough_sleeping_sources", "rough_sleeping_imports"}},
	{Name: "standards", Tables: []string{"standards", "standard_panels", "standard_clauses", "standard_indicators",
		"standard_indicator_levels", "standard_proposals", "standard_comments", "standard_clause_changes", "standard_versions",
		"standard_version_clauses", "standard_version_indicators", "standard_version_levels", "standard_adoptions",
		"standard_self_ratings"}},
	{Name: "payments", Tables: []string{"payment_rates", "payment_preferences", "payment_claims", "payment_receipts",
		"payment_feedback", "payment_feedback_given"}},
	{Name: "evaluation", Tables: []string{"evaluation_research_training", "evaluation_conflicts", "evaluation_cycles",
		"evaluation_cycle_panels", "evaluation_teams", "evaluation_team_members", "evaluation_ratings", "evaluation_agreed",
		"evaluation_independent", "evaluation_actions", "evaluation_examples", "training_modules", "training_module_indicators",
		"training_sessions", "training_bookings"}},
}, {
	// pagecache/2: the running totals the national figures read (funding/7 and /9, payments/2).
	{Name: "funding", Tables: []string{"funding_feedback_totals", "funding_programme_said_totals", "funding_programme_people_totals"}},
	{Name: "payments", Tables: []string{"payment_totals"}},
}, {
	// pagecache/3: the running totals of bids' scores (funding/10), the count of each
	// programme's submitted bids (funding/11), teams' ratings by level (evaluation/2), and "who
	// was at the table" by panel and programme (payments/3).
	{Name: "funding", Tables: []string{"funding_programme_scores", "funding_programme_bid_totals"}},
	{Name: "evaluation", Tables: []string{"evaluation_level_totals"}},
	{Name: "payments", Tables: []string{"payment_panel_totals", "payment_programme_totals", "payment_seat_totals"}},
}, {
	// pagecache/4: the programme report's running totals of each submitted bid's evidence
	// (funding/12).
	{Name: "funding", Tables: []string{"funding_report_bids", "funding_report_types"}},
}}

// DataKinds are the kinds of data with every table each covers, over all the migrations.
func DataKinds() []pagecache.Kind {
	var out []pagecache.Kind
	at := map[string]int{}
	for _, v := range dataVersions {
		for _, k := range v {
			i, ok := at[k.Name]
			if !ok {
				i = len(out)
				at[k.Name] = i
				out = append(out, pagecache.Kind{Name: k.Name})
			}
			out[i].Tables = append(out[i].Tables, k.Tables...)
		}
	}
	return out
}

// PrivateTables are never shown on a public page, so writes to them (sign-ins, the outbox's
// claims, the audit trail) leave the cached pages alone.
var PrivateTables = []string{"schema_migrations", "data_versions", "sessions", "signin_codes", "signin_failures",
	"staff_identities", "staff_signin_starts", "staff_sessions", "staff_provider_required", "api_tokens",
	"api_write_buckets", "audit_log", "audit_head", "job_leases", "panel_messages"}
