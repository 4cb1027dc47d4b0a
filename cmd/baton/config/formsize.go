package config

import (
	"fmt"

	"github.com/batonhq/baton/bot/render"
	"github.com/batonhq/baton/routing"
)

// checkFormSizes refuses a checklist whose forms Slack would refuse: the
// checklist's own limits (40 questions of up to 100 options) allow forms
// of several hundred kilobytes, and Slack takes no view over 250 KB. Each
// checklist is measured at its largest (see render.LargestForms): the
// /handoff form with the longest availability line any pool can show, and
// the schedule-for-later form with every answer at its longest.
func checkFormSizes(f file, p routing.Policy) error {
	names := make([]string, len(p.Pools))
	for i, pl := range p.Pools {
		names[i] = pl.Name
	}
	// The default checklist is asked wherever a pool has none of its own.
	if err := checkFormSize("checklist", p.Checklist, "", names); err != nil {
		return err
	}
	for i, pl := range p.Pools {
		if f.Pools[i].Checklist == nil {
			continue
		}
		if err := checkFormSize(fmt.Sprintf("pools[%d].checklist", i), pl.Checklist, pl.Name, names); err != nil {
			return err
		}
	}
	return nil
}

func checkFormSize(key string, c routing.Checklist, pool string, pools []string) error {
	sizes := render.LargestForms(c, pool, pools)
	switch {
	case sizes.Handoff > render.MaxViewBytes:
		return fmt.Errorf("%s: the handoff form would be %s; Slack refuses views over 250 KB: fewer questions, or fewer or shorter options", key, kb(sizes.Handoff))
	case sizes.Offer > render.MaxViewBytes:
		return fmt.Errorf("%s: the schedule-for-later form, with every answer at its longest, would be %s; Slack refuses views over 250 KB: fewer questions, or fewer or shorter options", key, kb(sizes.Offer))
	}
	return nil
}

// kb writes n bytes in kilobytes as Slack counts its limit, rounded up so
// that an oversize form never reads as 250 KB.
func kb(n int) string { return fmt.Sprintf("%d KB", (n+999)/1000) }
