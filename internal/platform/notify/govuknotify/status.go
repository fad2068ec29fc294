package govuknotify

// Status is where a text or email is on its way, as Notify names it.
type Status string

// The statuses of texts and emails. Letters have others, which this package does not send.
const (
	StatusCreated          Status = "created"           // queued at Notify
	StatusSending          Status = "sending"           // handed to a provider
	StatusPending          Status = "pending"           // texts: the provider awaits the phone
	StatusSent             Status = "sent"              // texts abroad: no more will be known
	StatusDelivered        Status = "delivered"         // arrived
	StatusPermanentFailure Status = "permanent-failure" // the number or address does not exist
	StatusTemporaryFailure Status = "temporary-failure" // inbox full or phone off for 72 hours
	StatusTechnicalFailure Status = "technical-failure" // a fault between Notify and the provider
)

// Known reports whether Notify documents this status for texts or emails.
func (s Status) Known() bool {
	switch s {
	case StatusCreated, StatusSending, StatusPending, StatusSent, StatusDelivered,
		StatusPermanentFailure, StatusTemporaryFailure, StatusTechnicalFailure:
		return true
	}
	return false
}

// Final reports whether the status will not change again, so there is no need to ask.
func (s Status) Final() bool {
	switch s {
	case StatusSent, StatusDelivered, StatusPermanentFailure, StatusTemporaryFailure, StatusTechnicalFailure:
		return true
	}
	return false
}

// Failed reports whether the message did not arrive. After a permanent failure the number
// or address should not be used again; after the others, sending again may work.
func (s Status) Failed() bool {
	return s == StatusPermanentFailure || s == StatusTemporaryFailure || s == StatusTechnicalFailure
}
