package pobsim

import (
	"fmt"
	"testing"
)

func TestDebug(t *testing.T) {
	o := Scenario(24, false)
	rep, err := Run(o)
	fmt.Println(err, rep.MinHeight, rep.Restarts)
}
