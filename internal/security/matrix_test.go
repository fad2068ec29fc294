package security_test

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/web"
)

// expect is what one route answers. Paths name fixtures in braces (see world.fixtures);
// a route without parameters needs no path. want and otherWant hold one letter per viewer,
// in the order of viewers (anon member facilitator officer partner funder assessor admin
// finance); see letter for what each means. other is the same route with another tenant's
// identifiers (Blackpool's where the viewers are Luton's), left empty where the route names
// no tenant's thing or the thing is public anyway.
type expect struct {
	path, want       string
	other, otherWant string
}

// matrix classifies every route the application registers. A route missing from it fails
// TestAccessMatrix: classify it here when you add it.
var matrix = map[string]expect{
	"GET /static/":                                        {path: "/static/{asset}", want: "OOOOOOOOO"},
	"GET /healthz":                                        {want: "OOOOOOOOO"},
	"GET /readyz":                                         {want: "OOOOOOOOO"},
	"GET /{$}":                                            {want: "OOOOOOOOO"},
	"GET /about":                                          {want: "OOOOOOOOO"},
	"GET /accessibility":                                  {want: "OOOOOOOOO"},
	"GET /privacy":                                        {want: "OOOOOOOOO"},
	"GET /councils":                                       {want: "OOOOOOOOO"},
	"GET /councils/{code}":                                {path: "/councils/{council}", want: "OOOOOOOOO"},
	"GET /organisations":                                  {want: "OOOOOOOOO"},
	"GET /organisations/{slug}":                           {path: "/organisations/{organisation}", want: "OOOOOOOOO"},
	"GET /organisations/new":                              {want: "SFFFFFFOF"},
	"GET /sign-in":                                        {want: "OOOOOOOOO"},
	"GET /sign-in/code":                                   {want: "OOOOOOOOO"},
	"GET /account":                                        {want: "SOOOOOOOO"},
	"GET /account/name":                                   {want: "SOOOOOOOO"},
	"GET /account/password":                               {want: "SOOOOOOOO"},
	"GET /people":                                         {want: "SFOFFFFOF"},
	"GET /people/new":                                     {want: "SFOFFFFOF"},
	"GET /people/{id}":                                    {path: "/people/{person}", want: "SFOFFFFOF", other: "/people/{otherPerson}", otherWant: "SFNFFFFOF"},
	"GET /funding":                                        {want: "SOOOOOOOO"},
	"GET /funding/took-part":                              {want: "SOOOOOOOO"},
	"GET /funding/programmes/new":                         {want: "SFFFFOFFF"},
	"GET /funding/programmes/{id}":                        {path: "/funding/programmes/{programme}", want: "SOOOOOOOO"},
	"GET /funding/bids/{id}":                              {path: "/funding/bids/{bid}", want: "SNNONNNNN", other: "/funding/bids/{otherBid}", otherWant: "SONNNOONN"},
	"GET /funding/bids/{id}/sections/{section}":           {path: "/funding/bids/{bid}/sections/about", want: "SFFOFFFFF", other: "/funding/bids/{otherBid}/sections/about", otherWant: "SFFNFFFFF"},
	"GET /funding/bids/{id}/check":                        {path: "/funding/bids/{bid}/check", want: "SFFOFFFFF", other: "/funding/bids/{otherBid}/check", otherWant: "SFFNFFFFF"},
	"GET /funding/bids/{id}/pack":                         {path: "/funding/bids/{submittedBid}/pack", want: "SOOOOOONN", other: "/funding/bids/{otherBid}/pack", otherWant: "SONNNOONN"},
	"GET /funding/bids/{id}/log.csv":                      {path: "/funding/bids/{bid}/log.csv", want: "SNNONNNNN", other: "/funding/bids/{otherBid}/log.csv", otherWant: "SNNNNONNN"},
	"GET /funding/programmes/{id}/report":                 {path: "/funding/programmes/{programme}/report", want: "SFFFFOFFF"},
	"GET /funding/programmes/{id}/edit":                   {path: "/funding/programmes/{draftProgramme}/edit", want: "SFFFFOFFF"},
	"POST /funding/programmes/{id}/edit":                  {path: "/funding/programmes/{draftProgramme}/edit", want: "SFFFFOFFF"},
	"GET /funding/assess":                                 {want: "SOOOOOOOO"},
	"GET /funding/bids/{id}/assess":                       {path: "/funding/bids/{submittedBid}/assess", want: "SONNNNONN", other: "/funding/bids/{otherBid}/assess", otherWant: "SONNNNONN"},
	"GET /funding/bids/{id}/moderate":                     {path: "/funding/bids/{submittedBid}/moderate", want: "SFFFFOFFF", other: "/funding/bids/{otherBid}/moderate", otherWant: "SFFFFOFFF"},
	"GET /funding/bids/{id}/outcome":                      {path: "/funding/bids/{submittedBid}/outcome", want: "SOOOOOONN", other: "/funding/bids/{otherBid}/outcome", otherWant: "SNNNNNNNN"},
	"GET /funding/support":                                {want: "SFFOFOFFF"},
	"GET /funding/log":                                    {want: "SFFOFFFFF"},
	"GET /funding/log/new":                                {want: "SFFOFFFFF"},
	"GET /funding/log/{id}":                               {path: "/funding/log/{activity}", want: "SFFOFFFFF", other: "/funding/log/{otherActivity}", otherWant: "SFFNFFFFF"},
	"GET /panels":                                         {want: "OOOOOOOOO"},
	"GET /panels/messages":                                {want: "SOOOOOOOO"},
	"GET /panels/{slug}":                                  {path: "/panels/{panel}", want: "OOOOOOOOO"},
	"GET /panels/{slug}/members":                          {path: "/panels/{panel}/members", want: "SOONNNNNN", other: "/panels/{otherPanel}/members", otherWant: "SNNNNNNNN"},
	"GET /panels/{slug}/meetings":                         {path: "/panels/{panel}/meetings", want: "SOONNNNNN", other: "/panels/{otherPanel}/meetings", otherWant: "SNNNNNNNN"},
	"GET /panels/{slug}/members/{person}":                 {path: "/panels/{panel}/members/{person}", want: "SOONNNNNN", other: "/panels/{otherPanel}/members/{otherPerson}", otherWant: "SNNNNNNNN"},
	"GET /panels/{slug}/profile":                          {path: "/panels/{panel}/profile", want: "SOFFFFFFF", other: "/panels/{otherPanel}/profile", otherWant: "SNFFFFFFF"},
	"GET /panels/{slug}/meetings/new":                     {path: "/panels/{panel}/meetings/new", want: "SFOFFFFFF", other: "/panels/{otherPanel}/meetings/new", otherWant: "SFNFFFFFF"},
	"GET /panels/{slug}/meetings/{meeting}":               {path: "/panels/{panel}/meetings/{meeting}", want: "SOONNNNNN", other: "/panels/{otherPanel}/meetings/{otherMeeting}", otherWant: "SNNNNNNNN"},
	"GET /panels/{slug}/meetings/{meeting}/edit":          {path: "/panels/{panel}/meetings/{comingMeeting}/edit", want: "SFOFFFFFF", other: "/panels/{otherPanel}/meetings/{otherMeeting}/edit", otherWant: "SFNFFFFFF"},
	"GET /panels/{slug}/recommendations/new":              {path: "/panels/{panel}/recommendations/new", want: "SOOFFFFFF", other: "/panels/{otherPanel}/recommendations/new", otherWant: "SNNFFFFFF"},
	"GET /opportunities":                                  {want: "OOOOOOOOO"},
	"GET /opportunities/new":                              {want: "SFOOFOFFF"},
	"GET /opportunities/{id}":                             {path: "/opportunities/{opportunity}", want: "OOOOOOOOO"},
	"GET /recommendations":                                {want: "OOOOOOOOO"},
	"GET /recommendations/to-answer":                      {want: "SFFOFOFFF"},
	"GET /recommendations/{id}":                           {path: "/recommendations/{recommendation}", want: "NOONNNNNN"},
	"GET /data":                                           {want: "OOOOOOOOO"},
	"GET /data/rough-sleeping.csv":                        {want: "OOOOOOOOO"},
	"GET /data/rough-sleeping.json":                       {want: "OOOOOOOOO"},
	"GET /councils/{code}/rough-sleeping":                 {path: "/councils/{council}/rough-sleeping", want: "OOOOOOOOO"},
	"GET /councils/{code}/rough-sleeping.csv":             {path: "/councils/{council}/rough-sleeping.csv", want: "OOOOOOOOO"},
	"POST /organisations/new":                             {want: "SFFFFFFOF"},
	"POST /sign-in":                                       {want: "OOOOOOOOO"},
	"POST /sign-in/code":                                  {want: "OOOOOOOOO"},
	"POST /sign-in/code/passphrase":                       {want: "OOOOOOOOO"},
	"POST /sign-out":                                      {want: "OOOOOOOOO"},
	"POST /account/name":                                  {want: "SOOOOOOOO"},
	"POST /account/password":                              {want: "SOOOOOOOO"},
	"POST /people/new":                                    {want: "SFOFFFFOF"},
	"POST /people/{id}/code":                              {path: "/people/{person}/code", want: "SFOFFFFOF", other: "/people/{otherPerson}/code", otherWant: "SFNFFFFOF"},
	"POST /people/{id}/access":                            {path: "/people/{person}/access", want: "SFOFFFFOF", other: "/people/{otherPerson}/access", otherWant: "SFNFFFFOF"},
	"POST /funding/programmes/new":                        {want: "SFFFFOFFF"},
	"POST /funding/programmes/{id}/pots":                  {path: "/funding/programmes/{programme}/pots", want: "SFFFFOFFF"},
	"POST /funding/programmes/{id}/publish":               {path: "/funding/programmes/{programme}/publish", want: "SFFFFOFFF"},
	"POST /funding/programmes/{id}/bids":                  {path: "/funding/programmes/{programme}/bids", want: "SFFOFFFFF"},
	"POST /funding/bids/{id}/sections/{section}":          {path: "/funding/bids/{bid}/sections/about", want: "SFFOFFFFF", other: "/funding/bids/{otherBid}/sections/about", otherWant: "SFFNFFFFF"},
	"POST /funding/bids/{id}/submit":                      {path: "/funding/bids/{bid}/submit", want: "SFFOFFFFF", other: "/funding/bids/{otherBid}/submit", otherWant: "SFFNFFFFF"},
	"POST /funding/bids/{id}/group":                       {path: "/funding/bids/{bid}/group", want: "SFFOFFFFF", other: "/funding/bids/{otherBid}/group", otherWant: "SFFNFFFFF"},
	"POST /funding/programmes/{id}/assessors":             {path: "/funding/programmes/{programme}/assessors", want: "SFFFFOFFF"},
	"POST /funding/bids/{id}/conflict":                    {path: "/funding/bids/{submittedBid}/conflict", want: "SONNNNONN", other: "/funding/bids/{otherBid}/conflict", otherWant: "SONNNNONN"},
	"POST /funding/bids/{id}/score":                       {path: "/funding/bids/{submittedBid}/score", want: "SONNNNONN", other: "/funding/bids/{otherBid}/score", otherWant: "SONNNNONN"},
	"POST /funding/bids/{id}/moderate":                    {path: "/funding/bids/{submittedBid}/moderate", want: "SFFFFOFFF", other: "/funding/bids/{otherBid}/moderate", otherWant: "SFFFFOFFF"},
	"POST /funding/support":                               {want: "SFFOFFFFF"},
	"POST /funding/support/{id}/answer":                   {path: "/funding/support/{support}/answer", want: "SFFFFOFFF"},
	"POST /funding/log/new":                               {want: "SFFOFFFFF"},
	"POST /funding/log/{id}/participants":                 {path: "/funding/log/{activity}/participants", want: "SFFOFFFFF", other: "/funding/log/{otherActivity}/participants", otherWant: "SFFNFFFFF"},
	"POST /funding/log/{id}/group":                        {path: "/funding/log/{activity}/group", want: "SFFOFFFFF", other: "/funding/log/{otherActivity}/group", otherWant: "SFFNFFFFF"},
	"POST /funding/bids/{id}/thanks":                      {path: "/funding/bids/{submittedBid}/thanks", want: "SFFNFFFFF", other: "/funding/bids/{otherBid}/thanks", otherWant: "SFFNFFFFF"},
	"POST /funding/log/{id}/contributions":                {path: "/funding/log/{activity}/contributions", want: "SFFOFFFFF", other: "/funding/log/{otherActivity}/contributions", otherWant: "SFFNFFFFF"},
	"POST /funding/log/{id}/contributions/{cid}/response": {path: "/funding/log/{activity}/contributions/{contribution}/response", want: "SFFOFFFFF", other: "/funding/log/{otherActivity}/contributions/{otherContribution}/response", otherWant: "SFFNFFFFF"},
	"POST /panels/{slug}/profile":                         {path: "/panels/{panel}/profile", want: "SOFFFFFFF", other: "/panels/{otherPanel}/profile", otherWant: "SNFFFFFFF"},
	"POST /panels/{slug}/meetings":                        {path: "/panels/{panel}/meetings", want: "SFOFFFFFF", other: "/panels/{otherPanel}/meetings", otherWant: "SFNFFFFFF"},
	"POST /panels/{slug}/meetings/{meeting}/reply":        {path: "/panels/{panel}/meetings/{meeting}/reply", want: "SOFFFFFFF", other: "/panels/{otherPanel}/meetings/{otherMeeting}/reply", otherWant: "SNFFFFFFF"},
	"POST /panels/{slug}/meetings/{meeting}/record":       {path: "/panels/{panel}/meetings/{meeting}/record", want: "SFOFFFFFF", other: "/panels/{otherPanel}/meetings/{otherMeeting}/record", otherWant: "SFNFFFFFF"},
	"POST /panels/{slug}/meetings/{meeting}/edit":         {path: "/panels/{panel}/meetings/{comingMeeting}/edit", want: "SFOFFFFFF", other: "/panels/{otherPanel}/meetings/{otherMeeting}/edit", otherWant: "SFNFFFFFF"},
	"POST /panels/{slug}/recommendations":                 {path: "/panels/{panel}/recommendations", want: "SOOFFFFFF", other: "/panels/{otherPanel}/recommendations", otherWant: "SNNFFFFFF"},
	"POST /opportunities":                                 {want: "SFOOFOFFF"},
	"POST /opportunities/{id}/interest":                   {path: "/opportunities/{opportunity}/interest", want: "SOFFFFFFF"},
	"POST /opportunities/{id}/interests/{interest}/reply": {path: "/opportunities/{opportunity}/interests/{interest}/reply", want: "SFONFNFFF", other: "/opportunities/{otherOpportunity}/interests/{otherInterest}/reply", otherWant: "SFNNFNFFF"},
	"POST /recommendations/{id}/respond":                  {path: "/recommendations/{recommendation}/respond", want: "SOFFFFFFF", other: "/recommendations/{otherRecommendation}/respond", otherWant: "SNFFFFFFF"},
	"POST /recommendations/{id}/resolve":                  {path: "/recommendations/{recommendation}/resolve", want: "SFOFFFFFF", other: "/recommendations/{otherRecommendation}/resolve", otherWant: "SFNFFFFFF"},
	"POST /recommendations/{id}/close":                    {path: "/recommendations/{recommendation}/close", want: "SFOFFFFFF", other: "/recommendations/{otherRecommendation}/close", otherWant: "SFNFFFFFF"},
	"POST /recommendations/{id}/answer":                   {path: "/recommendations/{recommendation}/answer", want: "SFFNFNFFF", other: "/recommendations/{otherRecommendation}/answer", otherWant: "SFFNFNFFF"},
	"POST /recommendations/{id}/updates":                  {path: "/recommendations/{recommendation}/updates", want: "SFONFNFFF", other: "/recommendations/{otherRecommendation}/updates", otherWant: "SFNNFNFFF"},
	// The co-production dashboard (internal/insight).
	"GET /data/co-production":               {want: "OOOOOOOOO"},
	"GET /data/co-production/councils":      {want: "OOOOOOOOO"},
	"GET /data/co-production/outcomes":      {want: "OOOOOOOOO"},
	"GET /data/co-production/{file}":        {path: "/data/co-production/councils.csv", want: "OOOOOOOOO"},
	"GET /data/co-production/funder":        {want: "SFFFFOFOF"},
	"GET /data/co-production/funder/{file}": {path: "/data/co-production/funder/support.csv", want: "SFFFFOFOF"},
	// Standards (internal/standards).
	"GET /standards":                                                     {want: "OOOOOOOOO"},
	"GET /standards/adoptions":                                           {want: "OOOOOOOOO"},
	"GET /standards/new":                                                 {want: "SFOFFFFFF"},
	"POST /standards":                                                    {want: "SFOFFFFFF"},
	"GET /standards/{id}":                                                {path: "/standards/{standard}", want: "OOOOOOOOO", other: "/standards/{otherStandard}", otherWant: "NNNNNNNNN"},
	"GET /standards/{id}/versions/{number}":                              {path: "/standards/{standard}/versions/{versionNumber}", want: "OOOOOOOOO"},
	"GET /standards/{id}/diff":                                           {path: "/standards/{standard}/diff", want: "OOOOOOOOO", other: "/standards/{otherStandard}/diff", otherWant: "NNNNNNNNN"},
	"GET /standards/{id}/clauses/{number}":                               {path: "/standards/{standard}/clauses/1", want: "SOOFFFFFF", other: "/standards/{otherStandard}/clauses/1", otherWant: "SNNFFFFFF"},
	"GET /standards/{id}/proposals/new":                                  {path: "/standards/{standard}/proposals/new?kind=add", want: "SOOFFFFFF", other: "/standards/{otherStandard}/proposals/new?kind=add", otherWant: "SNNFFFFFF"},
	"POST /standards/{id}/proposals":                                     {path: "/standards/{standard}/proposals?kind=add", want: "SOOFFFFFF", other: "/standards/{otherStandard}/proposals?kind=add", otherWant: "SNNFFFFFF"},
	"GET /standards/{id}/proposals/{pid}":                                {path: "/standards/{standard}/proposals/{proposal}", want: "SOOFFFFFF", other: "/standards/{otherStandard}/proposals/{otherProposal}", otherWant: "SNNFFFFFF"},
	"POST /standards/{id}/proposals/{pid}/comments":                      {path: "/standards/{standard}/proposals/{proposal}/comments", want: "SOOFFFFFF", other: "/standards/{otherStandard}/proposals/{otherProposal}/comments", otherWant: "SNNFFFFFF"},
	"POST /standards/{id}/proposals/{pid}/respond":                       {path: "/standards/{standard}/proposals/{proposal}/respond", want: "SOOFFFFFF", other: "/standards/{otherStandard}/proposals/{otherProposal}/respond", otherWant: "SNNFFFFFF"},
	"POST /standards/{id}/proposals/{pid}/resolve":                       {path: "/standards/{standard}/proposals/{proposal}/resolve", want: "SFOFFFFFF", other: "/standards/{otherStandard}/proposals/{otherProposal}/resolve", otherWant: "SFNFFFFFF"},
	"POST /standards/{id}/proposals/{pid}/decide":                        {path: "/standards/{standard}/proposals/{proposal}/decide", want: "SFOFFFFFF", other: "/standards/{otherStandard}/proposals/{otherProposal}/decide", otherWant: "SFNFFFFFF"},
	"GET /standards/{id}/publish":                                        {path: "/standards/{standard}/publish", want: "SFOFFFFFF", other: "/standards/{otherStandard}/publish", otherWant: "SFNFFFFFF"},
	"POST /standards/{id}/publish":                                       {path: "/standards/{standard}/publish", want: "SFOFFFFFF", other: "/standards/{otherStandard}/publish", otherWant: "SFNFFFFFF"},
	"GET /standards/adoptions/councils/{gss}":                            {path: "/standards/adoptions/councils/{council}", want: "OOOOOOOOO", other: "/standards/adoptions/councils/{otherCouncil}", otherWant: "OOOOOOOOO"},
	"GET /standards/adoptions/councils/{gss}/adopt":                      {path: "/standards/adoptions/councils/{council}/adopt", want: "SFFOFFFFF", other: "/standards/adoptions/councils/{otherCouncil}/adopt", otherWant: "SFFNFFFFF"},
	"POST /standards/adoptions/councils/{gss}/adopt":                     {path: "/standards/adoptions/councils/{council}/adopt", want: "SFFOFFFFF", other: "/standards/adoptions/councils/{otherCouncil}/adopt", otherWant: "SFFNFFFFF"},
	"GET /standards/adoptions/councils/{gss}/self-assessment/{version}":  {path: "/standards/adoptions/councils/{council}/self-assessment/{version}", want: "SFFOFFFFF", other: "/standards/adoptions/councils/{otherCouncil}/self-assessment/{version}", otherWant: "SFFNFFFFF"},
	"POST /standards/adoptions/councils/{gss}/self-assessment/{version}": {path: "/standards/adoptions/councils/{council}/self-assessment/{version}", want: "SFFOFFFFF", other: "/standards/adoptions/councils/{otherCouncil}/self-assessment/{version}", otherWant: "SFFNFFFFF"},
	// Payments (internal/payments).
	"GET /payments":                         {want: "SOOOOOOOO"},
	"GET /payments/mine":                    {want: "SOFFFFFFF"},
	"GET /payments/preferences":             {want: "SOFFFFFFF"},
	"POST /payments/preferences":            {want: "SOFFFFFFF"},
	"GET /payments/claims/{id}":             {path: "/payments/claims/{claim}", want: "SOONNNNNO", other: "/payments/claims/{otherClaim}", otherWant: "SNNNNNNNN"},
	"GET /payments/claims/{id}/receipt":     {path: "/payments/claims/{claim}/receipt", want: "SOONNNNNO", other: "/payments/claims/{otherClaim}/receipt", otherWant: "SNNNNNNNN"},
	"POST /payments/claims/{id}/choice":     {path: "/payments/claims/{claim}/choice", want: "SOFFFFFFF", other: "/payments/claims/{otherClaim}/choice", otherWant: "SNFFFFFFF"},
	"POST /payments/claims/{id}/expenses":   {path: "/payments/claims/{claim}/expenses", want: "SOFFFFFFF", other: "/payments/claims/{otherClaim}/expenses", otherWant: "SNFFFFFFF"},
	"POST /payments/claims/{id}/approve":    {path: "/payments/claims/{claim}/approve", want: "SFONFFFFF", other: "/payments/claims/{otherClaim}/approve", otherWant: "SFNNFFFFF"},
	"POST /payments/claims/{id}/paid":       {path: "/payments/claims/{claim}/paid", want: "SFFFFFFFO", other: "/payments/claims/{otherClaim}/paid", otherWant: "SFFFFFFFN"},
	"GET /payments/rates":                   {want: "SOOOOOOOO"},
	"GET /payments/rates/{org}":             {path: "/payments/rates/{lutonOrg}", want: "SOOOOOOOO", other: "/payments/rates/{otherOrg}", otherWant: "SOOOOOOOO"},
	"POST /payments/rates/{org}":            {path: "/payments/rates/{lutonOrg}", want: "SFONFFFFO", other: "/payments/rates/{otherOrg}", otherWant: "SFNNFFFFN"},
	"GET /payments/export":                  {want: "SFFFFFFFO"},
	"GET /payments/feedback/{source}/{id}":  {path: "/payments/feedback/meeting/{claimMeeting}", want: "SONNNNNNN", other: "/payments/feedback/meeting/{otherMeetingHeld}", otherWant: "SNNNNNNNN"},
	"POST /payments/feedback/{source}/{id}": {path: "/payments/feedback/meeting/{claimMeeting}", want: "SONNNNNNN", other: "/payments/feedback/meeting/{otherMeetingHeld}", otherWant: "SNNNNNNNN"},
	"GET /payments/table":                   {want: "SFFFFOFOF"},
	"GET /panels/{slug}/table":              {path: "/panels/{panel}/table", want: "SOONNONON", other: "/panels/{otherPanel}/table", otherWant: "SNNNNONON"},
	"GET /funding/bids/{id}/table":          {path: "/funding/bids/{submittedBid}/table", want: "SOOOOONON", other: "/funding/bids/{otherBid}/table", otherWant: "SNNNNONON"},
	// Evaluation (internal/evaluation).
	"GET /evaluation":                                         {want: "SOOOOOOOO"},
	"GET /evaluation/cycles/new":                              {want: "SFFFFOFFF"},
	"POST /evaluation/cycles":                                 {want: "SFFFFOFFF"},
	"GET /evaluation/cycles/{cycle}":                          {path: "/evaluation/cycles/{cycle}", want: "SFOFFOOOF", other: "/evaluation/cycles/{otherCycle}", otherWant: "SFNFFOOOF"},
	"POST /evaluation/cycles/{cycle}/councils":                {path: "/evaluation/cycles/{cycle}/councils", want: "SFFFFOFFF", other: "/evaluation/cycles/{otherCycle}/councils", otherWant: "SFFFFOFFF"},
	"GET /evaluation/researchers":                             {want: "SOOFFFFFF"},
	"POST /evaluation/researchers/training":                   {want: "SOOFFFFFF"},
	"POST /evaluation/researchers/conflicts":                  {want: "SOFFFFFFF"},
	"GET /evaluation/teams/{team}":                            {path: "/evaluation/teams/{team}", want: "SOOFFOOOF", other: "/evaluation/teams/{otherTeam}", otherWant: "SNNFFOOOF"},
	"POST /evaluation/teams/{team}/members":                   {path: "/evaluation/teams/{team}/members", want: "SFOFFFFFF", other: "/evaluation/teams/{otherTeam}/members", otherWant: "SFNFFFFFF"},
	"GET /evaluation/teams/{team}/rate":                       {path: "/evaluation/teams/{team}/rate", want: "SOFFFFFFF", other: "/evaluation/teams/{otherTeam}/rate", otherWant: "SNFFFFFFF"},
	"POST /evaluation/teams/{team}/rate":                      {path: "/evaluation/teams/{team}/rate", want: "SOFFFFFFF", other: "/evaluation/teams/{otherTeam}/rate", otherWant: "SNFFFFFFF"},
	"GET /evaluation/teams/{team}/moderate":                   {path: "/evaluation/teams/{team}/moderate", want: "SFOFFFFFF", other: "/evaluation/teams/{otherTeam}/moderate", otherWant: "SFNFFFFFF"},
	"POST /evaluation/teams/{team}/moderate":                  {path: "/evaluation/teams/{team}/moderate", want: "SFOFFFFFF", other: "/evaluation/teams/{otherTeam}/moderate", otherWant: "SFNFFFFFF"},
	"POST /evaluation/teams/{team}/findings":                  {path: "/evaluation/teams/{team}/findings", want: "SFOFFFFFF", other: "/evaluation/teams/{otherTeam}/findings", otherWant: "SFNFFFFFF"},
	"GET /evaluation/teams/{team}/assess":                     {path: "/evaluation/teams/{team}/assess", want: "SFFFFFOFF", other: "/evaluation/teams/{otherTeam}/assess", otherWant: "SFFFFFOFF"},
	"POST /evaluation/teams/{team}/assess":                    {path: "/evaluation/teams/{team}/assess", want: "SFFFFFOFF", other: "/evaluation/teams/{otherTeam}/assess", otherWant: "SFFFFFOFF"},
	"POST /evaluation/teams/{team}/examples":                  {path: "/evaluation/teams/{team}/examples", want: "SFOFFFFFF", other: "/evaluation/teams/{otherTeam}/examples", otherWant: "SFNFFFFFF"},
	"GET /evaluation/councils/{code}":                         {path: "/evaluation/councils/{council}", want: "SNNONONON", other: "/evaluation/councils/{otherCouncil}", otherWant: "SNNNNONON"},
	"POST /evaluation/teams/{team}/actions":                   {path: "/evaluation/teams/{team}/actions", want: "SFFOFFFFF", other: "/evaluation/teams/{otherTeam}/actions", otherWant: "SFFNFFFFF"},
	"POST /evaluation/teams/{team}/actions/{action}/done":     {path: "/evaluation/teams/{team}/actions/{action}/done", want: "SFFOFFFFF", other: "/evaluation/teams/{otherTeam}/actions/{action}/done", otherWant: "SFFNFFFFF"},
	"POST /evaluation/teams/{team}/plan":                      {path: "/evaluation/teams/{team}/plan", want: "SFFOFFFFF", other: "/evaluation/teams/{otherTeam}/plan", otherWant: "SFFNFFFFF"},
	"POST /evaluation/examples/{example}/consent":             {path: "/evaluation/examples/{example}/consent", want: "SFFOFFFFF"},
	"GET /evaluation/support":                                 {want: "SFFFFOFOF"},
	"GET /evaluation/practice":                                {want: "OOOOOOOOO"},
	"GET /evaluation/training":                                {want: "OOOOOOOOO"},
	"POST /evaluation/training/modules":                       {want: "SFFFFOFOF"},
	"GET /evaluation/training/sessions/{session}":             {path: "/evaluation/training/sessions/{session}", want: "SOOOOOOOO"},
	"POST /evaluation/training/modules/{module}/sessions":     {path: "/evaluation/training/modules/{module}/sessions", want: "SFFFFOFOF"},
	"POST /evaluation/training/sessions/{session}/book":       {path: "/evaluation/training/sessions/{session}/book", want: "SFFOFFFFF"},
	"POST /evaluation/training/sessions/{session}/attendance": {path: "/evaluation/training/sessions/{session}/attendance", want: "SFFFFOFOF"},
	// Privacy and the audit log (internal/privacy).
	"GET /account/data":          {want: "SOOOOOOOO"},
	"GET /account/data/download": {want: "SOOOOOOOO"},
	"GET /account/delete":        {want: "SOOOOOOOO"},
	"POST /account/delete":       {want: "SOOOOOOOO"},
	"GET /account/deleted":       {want: "OOOOOOOOO"},
	"GET /audit":                 {want: "SFFFFOFOF"},
	"GET /audit/{id}":            {path: "/audit/{auditRecord}", want: "SFFFFOFOF"},
	// The API (internal/api).
	"GET /api":                             {want: "OOOOOOOOO"},
	"GET /api/openapi.json":                {want: "OOOOOOOOO"},
	"GET /api/tokens":                      {want: "SFFFFFFOF"},
	"GET /api/tokens/new":                  {want: "SFFFFFFOF"},
	"POST /api/tokens":                     {want: "SFFFFFFOF"},
	"GET /api/tokens/{id}/created":         {path: "/api/tokens/{token}/created", want: "SFFFFFFOF"},
	"POST /api/tokens/{id}/revoke":         {path: "/api/tokens/{token}/revoke", want: "SFFFFFFOF"},
	"GET /api/v1/programmes":               {want: "OOOOOOOOO"},
	"GET /api/v1/programmes/{id}":          {path: "/api/v1/programmes/{apiProgramme}", want: "OOOOOOOOO"},
	"GET /api/v1/regions":                  {want: "OOOOOOOOO"},
	"GET /api/v1/councils":                 {want: "OOOOOOOOO"},
	"GET /api/v1/councils/{code}":          {path: "/api/v1/councils/{council}", want: "OOOOOOOOO"},
	"GET /api/v1/councils/{code}/ratings":  {path: "/api/v1/councils/{council}/ratings", want: "OOOOOOOOO"},
	"GET /api/v1/outcomes/rough-sleeping":  {want: "OOOOOOOOO"},
	"POST /api/v1/outcomes/rough-sleeping": {want: "TTTTTTTTT"},
	"GET /api/v1/standards":                {want: "OOOOOOOOO"},
	"GET /api/v1/standards/versions/{id}":  {path: "/api/v1/standards/versions/{version}", want: "OOOOOOOOO"},
	"GET /api/v1/standards/adoptions":      {want: "OOOOOOOOO"},
	"GET /api/v1/":                         {path: "/api/v1/nothing-here", want: "NNNNNNNNN"},
	// Staff sign-in with an organisation's account (internal/staffsignin); the matrix's app
	// has no providers configured, so a provider's routes are not found.
	"GET /sign-in/organisation":                            {want: "OOOOOOOOO"},
	"GET /sign-in/organisation/{provider}":                 {path: "/sign-in/organisation/none", want: "NNNNNNNNN"},
	"GET /sign-in/organisation/{provider}/callback":        {path: "/sign-in/organisation/none/callback", want: "NNNNNNNNN"},
	"GET /account/organisation-account":                    {want: "SOOOOOOOO"},
	"POST /account/organisation-account/{provider}":        {path: "/account/organisation-account/none", want: "SFNNNNNNN"},
	"POST /account/organisation-account/{provider}/unlink": {path: "/account/organisation-account/none/unlink", want: "SNNNNNNNN"},
	"GET /admin/organisation-sign-in":                      {want: "SFFFFFFOF"},
	"POST /admin/organisation-sign-in":                     {want: "SFFFFFFOF"},
	// Later additions to panels and funding.
	"GET /panels/new":            {want: "SFFFFFFOF"},
	"POST /panels/new":           {want: "SFFFFFFOF"},
	"POST /panels/messages/read": {want: "SOOOOOOOO"},
	"GET /funding/my-words":      {want: "SOOOOOOOO"},
	// How each person is told about messages, and GOV.UK Notify's delivery receipts, which
	// carry a bearer token and no session (the matrix's app has no token set: all refused).
	"GET /account/contact":                    {want: "SOOOOOOOO"},
	"POST /account/contact":                   {want: "SOOOOOOOO"},
	"POST /account/contact/remove-mobile":     {want: "SOOOOOOOO"},
	"GET /people/{id}/contact":                {path: "/people/{person}/contact", want: "SFOFFFFOF", other: "/people/{otherPerson}/contact", otherWant: "SFNFFFFOF"},
	"POST /people/{id}/contact":               {path: "/people/{person}/contact", want: "SFOFFFFOF", other: "/people/{otherPerson}/contact", otherWant: "SFNFFFFOF"},
	"POST /people/{id}/contact/remove-mobile": {path: "/people/{person}/contact/remove-mobile", want: "SFOFFFFOF", other: "/people/{otherPerson}/contact/remove-mobile", otherWant: "SFNFFFFOF"},
	"POST /notify/receipts":                   {want: "TTTTTTTTT"},
	"GET /admin/messages":                     {want: "SFFFFFFOF"},
	"POST /people/{id}/code/text":             {path: "/people/{person}/code/text", want: "SFOFFFFOF", other: "/people/{otherPerson}/code/text", otherWant: "SFNFFFFOF"},
	"POST /funding/my-words/{id}":             {path: "/funding/my-words/{myWords}?named=no", want: "SONNNNNNN", other: "/funding/my-words/{otherWords}?named=no", otherWant: "SNNNNNNNN"},
}

// TestAccessMatrix asks every registered route as nobody and as every role, with the
// viewer's own identifiers and with another tenant's, and compares each answer's class with
// the matrix. Pages are asked before forms; each form is posted empty, with a fresh session.
// ROUNDTABLE_MATRIX_PRINT=1 prints the answers as matrix rows, to review and paste.
func TestAccessMatrix(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		routes := w.app.Router.Routes()
		var unknown []string
		registered := map[string]bool{}
		for _, r := range routes {
			registered[r.Pattern] = true
			if _, ok := matrix[r.Pattern]; !ok {
				unknown = append(unknown, r.Pattern)
			}
		}
		print := os.Getenv("ROUNDTABLE_MATRIX_PRINT") != ""
		for p := range matrix {
			if !registered[p] {
				t.Errorf("the matrix names %q, which is not a registered route: remove it", p)
			}
		}
		// Pages first, so that forms posted later cannot change what the pages show.
		isForm := func(r web.Route) int {
			if strings.HasPrefix(r.Pattern, "GET ") || !strings.Contains(r.Pattern, " ") {
				return 0
			}
			return 1
		}
		slices.SortStableFunc(routes, func(a, b web.Route) int { return cmp.Compare(isForm(a), isForm(b)) })
		var printed []string
		for _, r := range routes {
			e, classified := matrix[r.Pattern]
			method, pattern, _ := strings.Cut(r.Pattern, " ") // every route names its method (app's tests)
			path := e.path
			if path == "" {
				path = strings.TrimSuffix(pattern, "{$}")
			}
			if strings.Contains(path, "{") && !classified {
				printed = append(printed, fmt.Sprintf("%q: {path: %q}, // NEEDS A PATH", r.Pattern, pattern))
				continue
			}
			got := w.row(method, w.fill(path))
			var gotOther string
			if e.other != "" {
				gotOther = w.row(method, w.fill(e.other))
			}
			if print || !classified {
				line := fmt.Sprintf("%q: {", r.Pattern)
				if e.path != "" {
					line += fmt.Sprintf("path: %q, ", e.path)
				}
				line += fmt.Sprintf("want: %q", got)
				if e.other != "" {
					line += fmt.Sprintf(", other: %q, otherWant: %q", e.other, gotOther)
				}
				printed = append(printed, line+"},")
				continue
			}
			if got != e.want {
				t.Errorf("%s %s\n\tgot  %s\n\twant %s\n\t     %s", method, path, got, e.want, legend)
			}
			if e.other != "" && gotOther != e.otherWant {
				t.Errorf("%s %s (another tenant's)\n\tgot  %s\n\twant %s\n\t     %s", method, e.other, gotOther, e.otherWant, legend)
			}
		}
		switch {
		case print:
			t.Logf("matrix rows:\n%s", strings.Join(printed, "\n"))
		case len(unknown) > 0:
			t.Errorf("%d routes are not in the access matrix (internal/security/matrix_test.go). Add what each should "+
				"answer, for each role and, where it names a tenant's thing, for another tenant's identifiers. What they "+
				"answer now, to check against what they should answer:\n%s", len(unknown), strings.Join(printed, "\n"))
		}
	})
}

var legend = strings.Join(viewers, " ")

// row asks the path as each viewer and spells the answers as letters, one per viewer.
func (w *world) row(method, path string) string {
	var letters []string
	for _, v := range viewers {
		letters = append(letters, letter(method, v, w.do(method, path, v)))
	}
	return strings.Join(letters, "")
}
