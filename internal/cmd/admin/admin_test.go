package admin

import "github.com/keyward/keyward/internal/cmd/apicmd/apicmdtest"

const (
	testKey    = apicmdtest.Key
	testSecret = apicmdtest.Secret
	ts         = apicmdtest.TS
)

// Canned API objects.
const (
	accountJSON    = `{"id":3,"email":"ann@example.com","name":"Ann","role":"developer","created_at":` + ts + `,"updated_at":` + ts + `}`
	groupJSON      = `{"name":"encoding","description":"the Soundlinks Encoding API","api_ids":["sl.encoding.start","sl.encoding.query"],"created_at":` + ts + `,"updated_at":` + ts + `}`
	requestJSON    = `{"id":9,"account_id":3,"groups":["encoding"],"reason":"demo","status":"pending","decision_note":"","created_at":` + ts + `}`
	credentialJSON = `{"id":7,"key":"abc123","name":"ci","notes":"","owner_id":3,"groups":["encoding"],"status":"active","secrets":[{"kid":"k1","created_at":` + ts + `}],"created_at":` + ts + `,"updated_at":` + ts + `}`
	secretJSON     = `{"key":"abc123","kid":"k1","secret":"s3cr3t-value"}`
)
