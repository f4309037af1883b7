package credential

import (
	"context"
	"encoding/json"
	"time"
)

// Audit actions. Each names the target kind and the verb.
const (
	ActionAccountCreate    = "account.create"
	ActionAccountUpdate    = "account.update"
	ActionGroupCreate      = "group.create"
	ActionGroupUpdate      = "group.update"
	ActionGroupDelete      = "group.delete"
	ActionRequestCreate    = "request.create"
	ActionRequestApprove   = "request.approve"
	ActionRequestReject    = "request.reject"
	ActionRequestWithdraw  = "request.withdraw"
	ActionCredentialCreate = "credential.create"
	ActionCredentialUpdate = "credential.update"
	ActionCredentialRotate = "credential.rotate"
	ActionCredentialRetire = "credential.retire_secret"
	ActionCredentialRevoke = "credential.revoke"
	ActionCredentialDelete = "credential.delete"
	ActionAdminBootstrap   = "admin.bootstrap"
	// ActionTokenMint records a token made in the portal from a
	// credential's secret; the entry never holds the token.
	ActionTokenMint = "credential.mint_token"
	// ActionRoomUpdate, ActionRoomRemovePeer and ActionRoomEnd record a
	// developer's changes to a room from the portal.
	ActionRoomUpdate     = "room.update"
	ActionRoomRemovePeer = "room.remove_peer"
	ActionRoomEnd        = "room.end"
)

// RecordableActions are the actions [AuditService.RecordAudit] accepts:
// actions whose change is not a row of the credential store, so that no
// caller can forge an entry that a store method writes.
var RecordableActions = []string{ActionTokenMint, ActionRoomUpdate, ActionRoomRemovePeer, ActionRoomEnd}

// Audit target kinds.
const (
	TargetAccount      = "account"
	TargetGroup        = "group"
	TargetRequest      = "request"
	TargetCredential   = "credential"
	TargetNotification = "notification"
	TargetRoom         = "room"
)

// AuditEntry records who did what to what, when and from where. The audit log
// is append-only: the stores refuse to update or delete entries.
type AuditEntry struct {
	// ID is the entry's unique, increasing id.
	ID int64 `json:"id"`
	// ActorID is the acting account; 0 for keyward itself.
	ActorID int64 `json:"actor_id"`
	// Action is one of the Action* constants.
	Action string `json:"action"`
	// TargetKind is one of the Target* constants.
	TargetKind string `json:"target_kind"`
	// TargetID is the target's id (a number, a group name, a key).
	TargetID string `json:"target_id"`
	// Detail is a JSON object with the action's particulars. It never holds
	// a secret.
	Detail json.RawMessage `json:"detail"`
	// RemoteAddr is where the action came from.
	RemoteAddr string `json:"remote_addr"`
	// CreatedAt is when it happened.
	CreatedAt time.Time `json:"created_at"`
}

// AuditFilter selects entries in [AuditService.FindAuditEntries].
type AuditFilter struct {
	Page
	// ActorID keeps only this actor's entries. For developers it is always
	// their own account.
	ActorID int64
	// Action keeps only this action, when set.
	Action string
	// TargetKind and TargetID keep only entries about this target, when
	// set.
	TargetKind, TargetID string
}

// AuditList is a page of audit entries.
type AuditList struct {
	// Entries are the entries of this page, newest first.
	Entries []*AuditEntry `json:"entries"`
	// NextCursor continues the list; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// AuditService reads the audit log. Entries are written by the other
// services, in the transaction of the change they record.
type AuditService interface {
	// FindAuditEntries lists entries. Admins see all; developers see only
	// their own actions.
	FindAuditEntries(ctx context.Context, filter *AuditFilter) (*AuditList, error)

	// RecordAudit appends an entry by the actor of ctx for an action done
	// outside the store (one of [RecordableActions]): a token minted, a
	// peer removed from a live room. detail is marshalled to a JSON object
	// and must hold no secret. Visitors get EUNAUTHORIZED; another action
	// is EINVALID.
	RecordAudit(ctx context.Context, action, targetKind, targetID string, detail any) error
}
