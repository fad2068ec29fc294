package app

import "roundtable/internal/platform/errs"

var errForbiddenCrossOrigin = errs.New(errs.Forbidden,
	"This form was sent from another website, so Roundtable did not accept it. Go back, reload the page and try again.")
