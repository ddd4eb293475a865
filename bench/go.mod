module github.com/sesame-go/sesame/bench

go 1.26.0

replace github.com/sesame-go/sesame => ../
