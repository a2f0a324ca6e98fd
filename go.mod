module github.com/corti-auth/corti-auth

go 1.26.0

require (
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/hack-pad/safejs v0.1.0
	golang.org/x/oauth2 v0.37.0
)
