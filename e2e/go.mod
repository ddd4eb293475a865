module github.com/sesame-go/sesame/e2e

go 1.26.0

replace github.com/sesame-go/sesame => ../
