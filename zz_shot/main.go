package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

// usage: zz_shot BASE LOGIN OUT.png PATH [width]
func main() {
	base, login, out, path := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	width := 414
	if len(os.Args) > 5 {
		fmt.Sscan(os.Args[5], &width)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.WindowSize(width, 900), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	must := func(err error) {
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
	}
	if login != "-" {
		must(chromedp.Do(ctx, chromedp.Navigate(base+"/sign-in")))
		_, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`(()=>{const f=document.querySelector('input[name=password]').form; f.login.value=%q; f.password.value='roundtable-demo'; f.submit(); return 1})()`, login)))
		must(err)
		must(chromedp.Do(ctx, chromedp.Sleep(2*time.Second)))
	}
	must(chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.Sleep(500*time.Millisecond)))
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(err)
	must(os.WriteFile(out, buf, 0o644))
}
