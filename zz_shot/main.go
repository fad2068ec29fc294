package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	base, login, pass := os.Args[1], os.Args[2], os.Args[3]
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.NoSandbox, chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(414, 1600))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel3()
	js := fmt.Sprintf(`(()=>{const f=document.querySelector('main form');f.querySelector('[name=login]').value=%q;f.querySelector('[name=password]').value=%q;f.submit();return 1})()`, login, pass)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"/sign-in")); err != nil {
		panic(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](js)); err != nil {
		panic(err)
	}
	time.Sleep(1500 * time.Millisecond)
	for i := 4; i+1 < len(os.Args); i += 2 {
		if _, err := chromedp.Run(ctx, chromedp.Navigate(base+os.Args[i])); err != nil {
			panic(err)
		}
		time.Sleep(500 * time.Millisecond)
		buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			panic(err)
		}
		os.WriteFile(os.Args[i+1], buf, 0o644)
	}
}
