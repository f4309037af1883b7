package credential

// Services is every service of the domain, as one store implements them
// all: what the management API and the portal are built on.
type Services interface {
	AccountService
	GroupService
	RequestService
	CredentialService
	AuditService
	NotificationService
	KeyService
}
